// Starts Swagger UI on the docs page. It is a file of its own, not an inline script, so that
// the page's Content-Security-Policy can allow scripts from this server only. BaseLayout, not
// StandaloneLayout: the standalone top bar's logo is an SVG with an inline <style> the policy
// refuses, and its box for loading another spec by URL could not fetch one under the policy.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
