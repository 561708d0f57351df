// Loaded right after the JavaScript catalogue (/jsi18n/, a classic script): if the catalogue did
// not load (offline without a kept copy, a server error), the app's scripts still run, in
// English. Same behaviour as Django's catalogue for the three functions the app uses.
(function (globals) {
  if (typeof globals.gettext === "function") return;
  globals.gettext = function (msgid) { return msgid; };
  globals.ngettext = function (singular, plural, count) { return count === 1 ? singular : plural; };
  globals.interpolate = function (fmt, obj, named) {
    if (named) return fmt.replace(/%\(\s*([^)]+)\)s/g, function (match, name) { return String(obj[name]); });
    return fmt.replace(/%s/g, function () { return String(obj.shift()); });
  };
})(this);
