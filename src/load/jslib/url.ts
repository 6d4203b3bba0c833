// Stand-in for https://jslib.k6.io/url/<version>/index.js: the WHATWG URL classes, which this
// runtime already has. https://grafana.com/docs/k6/latest/javascript-api/jslib/url/
const { URL: WhatwgURL, URLSearchParams: WhatwgURLSearchParams } = globalThis;
export { WhatwgURL as URL, WhatwgURLSearchParams as URLSearchParams };
