// Starts GraphiQL against the endpoint that served this page (so it works behind a
// path prefix), with the headers editor shown so a user can add
// `{"Authorization": "Bearer <token>"}`, and headers kept in this browser's storage.
(function () {
  'use strict';
  // The page's Content-Security-Policy admits only <style> elements with this nonce;
  // GraphiQL's dialogs add one and read the nonce from here.
  window.__webpack_nonce__ = document.currentScript.dataset.styleNonce;
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: 'headers',
    })
  );
})();
