// Renders the API's OpenAPI document with Swagger UI. A script file rather than an inline one, so
// that the page's Content-Security-Policy can allow scripts from this origin only.
window.addEventListener('load', () => {
  window.SwaggerUIBundle({
    url: new URL('../openapi.json', document.baseURI).href,
    dom_id: '#reference',
    deepLinking: true,
    // Swagger UI would otherwise send the document to an external validator for a badge.
    validatorUrl: null,
  });
});
