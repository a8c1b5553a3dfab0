// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

// Starts Swagger UI on the directory's own OpenAPI document. The document's
// URL is relative to this page (/swagger/ -> /api/openapi.json), so the
// viewer works behind any host name or proxy path prefix. Kept out of
// index.html so that the page needs no inline script.
"use strict";

window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: new URL("../api/openapi.json", window.location.href).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // No badge from the public validator service: load nothing from elsewhere.
    validatorUrl: null,
    // Do not let ?url=... or ?configUrl=... point the viewer at another document.
    queryConfigEnabled: false,
    defaultModelsExpandDepth: 1,
    displayRequestDuration: true,
  });
});
