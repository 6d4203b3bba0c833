// k6/html and Response.html() on a real HTML5 parser. Specification:
// https://grafana.com/docs/k6/latest/javascript-api/k6-html/ (Selection and Element pages) and
// https://grafana.com/docs/k6/latest/javascript-api/k6-http/response/ (html, submitForm, clickLink).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHttpbin, type Httpbin } from './helpers/httpbin.ts';
import { runScript, type ScriptRun } from './helpers/run-script.ts';

function assertChecks(run: ScriptRun, expected: number): void {
  assert.equal(run.code, 0, `exit ${run.code}; failed checks: ${run.failed.join(' | ')}\n${run.stderr}`);
  assert.deepEqual(run.failed, []);
  assert.equal(Object.keys(run.checks).length, expected, Object.keys(run.checks).join(' | '));
}

const DOC = `
<html><head><title>Login</title></head><body>
<dl>
  <dt id="term-1">term 1</dt><dd>definition 1-a</dd><dd>definition 1-b</dd>
  <dt id="term-2">term 2</dt><dd>definition 2-a</dd>
</dl>
<h1 data-test-id="data-value" data-count="42" data-obj='{"a":1}' data-flag="true">Hola</h1>
<a id="home" href="/home?x=1#top" rel="prev next">Home</a>
<table><tr><td>cell</td></tr></table>
<form id="login" action="/post" method="post">
  <input type="hidden" name="csrf" value="tok-123">
  <input id="text_input" type="text" name="user" value="alice">
  <input type="checkbox" name="remember" checked>
  <input type="checkbox" name="unchecked">
  <input type="text" name="off" value="x" disabled>
  <select id="select_one" name="color"><option value="red">no</option><option value="blue" selected>yes</option></select>
  <select id="select_multi" name="tags" multiple><option>t1</option><option selected>t2</option><option selected>t3</option></select>
  <textarea id="textarea" name="note">Lorem ipsum</textarea>
  <button type="submit" name="go" value="1">Sign in</button>
</form>
</body></html>`;

describe('k6/html', () => {
  let httpbin: Httpbin | undefined;
  let skip: string | undefined;
  let site: Server;
  let siteUrl = '';
  const posted: string[] = [];
  before(async () => {
    const started = await startHttpbin();
    if (typeof started === 'string') skip = started;
    else httpbin = started;
    site = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.method === 'POST') posted.push(body);
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(req.method === 'POST' ? `<p id="done">${req.url}</p>` : `${DOC}<p id="where">${req.url}</p>`);
      });
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  after(async () => {
    await httpbin?.close();
    site.closeAllConnections();
    await new Promise((resolve) => site.close(resolve));
  });

  it('implements the documented Selection API with parseHTML (k6-html/selection)', async () => {
    const run = await runScript(
      `import { parseHTML } from 'k6/html';
      import { check } from 'k6';
      export const options = { thresholds: { checks: ['rate==1'] } };
      const doc = parseHTML(open('./doc.html'));
      export default function () {
        const dl = doc.find('dl');
        check(doc, {
          'find + text': (d) => d.find('head title').text() === 'Login',
          'children, size, eq, first, last': () =>
            dl.children().size() === 5 && dl.children().eq(1).text() === 'definition 1-a' &&
            dl.children().first().attr('id') === 'term-1' && dl.children().last().text() === 'definition 2-a',
          'attr missing is undefined, with default': () => dl.attr('nope') === undefined && dl.attr('nope', 'd') === 'd',
          'html is the inner HTML': (d) => d.find('#home').html() === 'Home',
          'next, prev, nextAll, prevAll, nextUntil': () =>
            doc.find('#term-1').next().text() === 'definition 1-a' &&
            doc.find('#term-2').prev().text() === 'definition 1-b' &&
            doc.find('#term-1').nextAll('dt').attr('id') === 'term-2' &&
            doc.find('#term-2').prevAll().size() === 3 &&
            doc.find('#term-1').nextUntil('#term-2').size() === 2,
          'parent, parents, closest, has, is, not, filter': () =>
            doc.find('dd').first().parent().is('dl') &&
            doc.find('dd').first().parents('body').size() === 1 &&
            doc.find('dd').first().closest('body').size() === 1 &&
            doc.find('body').has('dl').size() === 1 &&
            doc.find('dl').children().not('dd').size() === 2 &&
            doc.find('dl').children().filter('dd').size() === 3 &&
            doc.find('dl').children().filter((i, s) => s.text().endsWith('-a')).size() === 2,
          'each passes index and Element': () => {
            const seen = [];
            dl.children().each((i, el) => seen.push(i + ':' + el.nodeName() + ':' + el.textContent()));
            return seen[0] === '0:dt:term 1' && seen.length === 5;
          },
          'map passes Selections and returns an array': () =>
            JSON.stringify(dl.find('dt').map((i, s) => 'hola ' + s.text())) === '["hola term 1","hola term 2"]',
          'get, toArray, slice, index': () =>
            dl.children().get(0).id() === 'term-1' && dl.children().get(-1).nodeName() === 'dd' &&
            dl.children().get(9) === undefined && dl.children().get().length === 5 &&
            dl.children().toArray()[1].text() === 'definition 1-a' &&
            dl.children().slice(1, 3).size() === 2 && doc.find('#term-2').index() === 3,
          'HTML5 tree: tbody implied': (d) => d.find('table > tbody > tr > td').text() === 'cell',
          'data() converts values and names': (d) => {
            const h = d.find('h1');
            const all = h.data();
            return all.testID === 'data-value' && h.data('test-id') === 'data-value' && h.data('testId') === 'data-value' &&
              all.count === 42 && all.obj.a === 1 && all.flag === true;
          },
          'val() of input, select, multiple select, textarea (selection-val)': (d) =>
            d.find('#text_input').val() === 'alice' &&
            d.find('#select_one option[selected]').val() === 'blue' &&
            d.find('#select_one').val() === 'blue' &&
            JSON.stringify(d.find('#select_multi').val()) === '["t2","t3"]' &&
            d.find('#textarea').val() === 'Lorem ipsum',
          'serializeArray / serializeObject / serialize': (d) => {
            const f = d.find('form');
            const names = f.serializeArray().map((v) => v.name).join(',');
            const o = f.serializeObject();
            return names === 'csrf,user,remember,color,tags,note' && o.remember === 'on' && o.color === 'blue' &&
              f.serialize() === 'color=blue&csrf=tok-123&note=Lorem+ipsum&remember=on&tags=t2&tags=t3&user=alice';
          },
          'docs example: serialize of one input (selection-serialize)': () =>
            parseHTML('<form><input name="username"></form>').find('form').serialize() === 'username=',
          'Element API (k6-html/element)': (d) => {
            const a = d.find('a').get(0);
            return a.nodeName() === 'a' && a.nodeType() === 1 && a.id() === 'home' && a.textContent() === 'Home' &&
              a.hasAttribute('rel') && a.getAttribute('rel') === 'prev next' && a.classList().length === 0 &&
              a.pathname() === '/home' && a.search() === '?x=1' && a.hash() === '#top' &&
              JSON.stringify(a.relList()) === '["prev","next"]' &&
              d.find('dl').get(0).childElementCount() === 5 && d.find('dl').get(0).firstElementChild().id() === 'term-1' &&
              d.find('dl').get(0).contains(d.find('dd').get(0)) && d.find('dd').get(0).matches('dd') &&
              d.find('#text_input').get(0).form().id() === 'login' && d.find('form').get(0).method() === 'post';
          },
        });
      }`,
      {},
      { 'doc.html': DOC },
    );
    assertChecks(run, 15);
  });

  it('parses responses with res.html(), resolves links against res.url, and follows submitForm and clickLink (k6-http/response)', async (t) => {
    posted.length = 0;
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      export const options = { thresholds: { checks: ['rate==1'] } };
      export default function () {
        const res = http.get(__ENV.SITE + '/start');
        check(res, {
          'res.html() finds the CSRF token': (r) => r.html().find('input[name=csrf]').attr('value') === 'tok-123',
          'res.html(selector)': (r) => r.html('title').text() === 'Login',
          'href resolved against res.url': (r) => r.html('a').get(0).href() === __ENV.SITE + '/home?x=1#top',
        });
        const sent = res.submitForm({ formSelector: '#login', fields: { user: 'bob' } });
        check(sent, { 'submitForm posts to the action': (r) => r.html('#done').text() === '/post' });
        const clicked = res.clickLink({ selector: '#home' });
        check(clicked, { 'clickLink follows href': (r) => r.html('#where').text() === '/home?x=1' });
      }`,
      { SITE: siteUrl },
    );
    assertChecks(run, 5);
    assert.equal(posted[0], 'color=blue&csrf=tok-123&go=1&note=Lorem+ipsum&remember=on&tags=t2&tags=t3&user=bob');
    if (skip) return t.skip(skip);
    const bin = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      export const options = { thresholds: { checks: ['rate==1'] } };
      export default function () {
        const page = http.get(__ENV.BIN + '/html');
        check(page, { 'httpbin /html heading': (r) => r.html().find('h1').text().includes('Herman Melville') });
        const form = http.get(__ENV.BIN + '/forms/post');
        const sent = form.submitForm({ fields: { custname: 'k6', custtel: '123' } });
        check(sent, { 'httpbin received the form': (r) => r.json().form.custname === 'k6' && r.json().form.custtel === '123' });
      }`,
      { BIN: httpbin!.url },
    );
    assertChecks(bin, 2);
  });
});
