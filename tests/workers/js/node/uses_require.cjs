// A CommonJS module reaching Node.js modules with require().
const path = require("node:path");
const { Buffer } = require("buffer");
module.exports = { joined: path.join("a", "b"), hex: Buffer.from("hi").toString("hex") };
