// whatsapp-web.js pulls puppeteer; its browser download cannot work offline. The system Chromium is used instead.
module.exports = { skipDownload: true };
