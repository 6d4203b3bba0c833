import { formValue, queryEscape } from '../http/encode-form.ts';
import type { K6Response } from './k6-response.ts';

export type NavigationRequest = (method: string, url: string, body: unknown, params: unknown) => K6Response;

export interface SubmitFormArgs {
  formSelector?: string;
  submitSelector?: string;
  fields?: Record<string, unknown>;
  params?: unknown;
}

/**
 * Response.submitForm() and Response.clickLink(): follow a form or a link of an HTML response
 * with a new request, as k6 does.
 * https://grafana.com/docs/k6/latest/javascript-api/k6-http/response/response-submitform---params/
 * https://grafana.com/docs/k6/latest/javascript-api/k6-http/response/response-clicklink---params/
 */
export function responseNavigation(res: K6Response, request: NavigationRequest) {
  return {
    submitForm({
      formSelector = 'form',
      submitSelector = '[type="submit"]',
      fields = {},
      params = null,
    }: SubmitFormArgs = {}) {
      const form = res.html(formSelector);
      if (form.size() === 0) throw new Error(`no form found for selector '${formSelector}' in response '${res.url}'`);
      const method = String(form.attr('method') ?? 'GET').toUpperCase();
      const action = form.attr('action');
      const target = new URL(action === undefined ? res.url : String(action), res.url);
      const values: Record<string, unknown> = form.serializeObject();
      const submit = form.find(submitSelector);
      const name = submit.attr('name');
      const value = submit.val();
      if (name !== undefined && value !== undefined) values[String(name)] = value;
      Object.assign(values, fields);
      if (method === 'GET') {
        // The form's values replace the action's query, as Go's URL.RawQuery assignment does.
        target.search = Object.keys(values)
          .sort()
          .map((k) => `${queryEscape(k)}=${queryEscape(formValue(values[k]))}`)
          .join('&');
        return request(method, target.href, null, params);
      }
      return request(method, target.href, values, params);
    },

    clickLink({ selector = 'a[href]', params = null }: { selector?: string; params?: unknown } = {}) {
      const link = res.html(selector);
      if (link.size() === 0) throw new Error(`no element found for selector '${selector}' in response '${res.url}'`);
      const href = link.attr('href');
      if (href === undefined)
        throw new Error(`no valid href attribute value found on element '${selector}' in response '${res.url}'`);
      return request('GET', new URL(String(href), res.url).href, undefined, params);
    },
  };
}
