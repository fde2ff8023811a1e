// CommonJS: requires another CommonJS module and a JSON module.
const { pad } = require("./strings.cjs");
const pkg = require("../data/config.json");

module.exports = {
  line(label, value) {
    return `${pad(label, 8)}= ${value.toFixed(2)}`;
  },
  version() {
    return `v${pkg.version} (${__filename})`;
  },
};
