// The one check for an expired session: a request that ended on the login page takes the
// whole page there, and the login form then brings the user back to this page (never to the
// address the background request asked for: a poll's JSON, a preview fragment).

const LOGIN_PATH = "/accounts/login/";

// `response` is a fetch Response or an XMLHttpRequest. True if the page is leaving.
export function followLoginRedirect(response) {
  const url = response.responseURL !== undefined ? response.responseURL : (response.redirected ? response.url : "");
  if (!url || url.indexOf(LOGIN_PATH) === -1) return false;
  const here = window.location.pathname + window.location.search;
  window.location.href = LOGIN_PATH + "?next=" + encodeURIComponent(here);
  return true;
}
