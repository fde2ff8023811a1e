exports.pad = function pad(s, n) {
  return String(s).padEnd(n, ".");
};
