// The one check for an expired session: a request that ended on the login page takes the
// whole page there (the login form then brings the user back).

const LOGIN_PATH = "/accounts/login/";

// `response` is a fetch Response or an XMLHttpRequest. True if the page is leaving.
export function followLoginRedirect(response) {
  const url = response.responseURL !== undefined ? response.responseURL : (response.redirected ? response.url : "");
  if (!url || url.indexOf(LOGIN_PATH) === -1) return false;
  window.location.href = url;
  return true;
}
