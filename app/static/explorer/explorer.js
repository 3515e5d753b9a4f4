// The explorer page's own script: it runs before GraphiQL's bundles load, so a key in
// the URL leaves the address bar before anything else happens on the page.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("explorer-config").textContent);

  // A link `/graphql#key=ik_…` hands the page a key: a fragment is never sent to the
  // server, so it reaches neither the service nor its logs. It is dropped from the
  // address bar (and from this history entry) so it is not bookmarked or shared along
  // with the page.
  function takeKeyFromFragment() {
    var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var key = fragment.get("key");
    if (key === null) {
      return null;
    }
    fragment.delete("key");
    var rest = fragment.toString();
    window.history.replaceState(
      window.history.state,
      "",
      window.location.pathname + window.location.search + (rest ? "#" + rest : "")
    );
    return key.trim() || null;
  }

  // GraphiQL keeps headers in this origin's localStorage (the active tab's under
  // `graphiql:headers`, every tab's in `graphiql:tabState`) and reads them back on load,
  // so a reload or the next visit still carries the key. A key from a link goes where
  // it reads them; false where storage is refused.
  function storeKey(key) {
    try {
      window.localStorage.setItem("graphiql:headers", headersFor(key));
      return true;
    } catch (error) {
      return false;
    }
  }

  function headersFor(key) {
    return JSON.stringify({ Authorization: "Bearer " + key }, null, 2);
  }

  // GraphiQL 3 empties `graphiql:headers` as it mounts (graphql/graphiql#3369) while the
  // tabs keep theirs: left so, a reload opens a new tab without the key. The active
  // tab's headers are put back first.
  function restoreHeaders() {
    try {
      var storage = window.localStorage;
      if (storage.getItem("graphiql:headers")) {
        return;
      }
      var state = JSON.parse(storage.getItem("graphiql:tabState") || "null");
      var active = state && Array.isArray(state.tabs) ? state.tabs[state.activeTabIndex] : null;
      if (active && typeof active.headers === "string" && active.headers) {
        storage.setItem("graphiql:headers", active.headers);
      }
    } catch (error) {
      // Nothing stored, or storage refused: GraphiQL starts without headers.
    }
  }

  var root = null;

  // `pageKey`: a key for this page only (where storage was refused), in a tab of its own.
  function render(pageKey) {
    var props = {
      fetcher: GraphiQL.createFetcher({ url: new URL(config.endpoint, window.location.href).href }),
      defaultQuery: config.defaultQuery,
      // Every request needs a key, so the headers pane is where a visitor starts.
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: true,
    };
    if (pageKey) {
      props.headers = headersFor(pageKey);
    }
    root = root || ReactDOM.createRoot(document.getElementById("graphiql"));
    root.render(React.createElement(GraphiQL, props));
  }

  var key = takeKeyFromFragment();
  var pageKey = key && !storeKey(key) ? key : null;
  if (!key) {
    restoreHeaders();
  }
  // The bundles load deferred, in order, and have all run before this event.
  document.addEventListener("DOMContentLoaded", function () {
    render(pageKey);
  });

  // A link followed while the explorer is open only changes the fragment: the page
  // starts anew with the new key.
  window.addEventListener("hashchange", function () {
    var newKey = takeKeyFromFragment();
    if (newKey && storeKey(newKey)) {
      window.location.reload();
    } else if (newKey) {
      render(newKey);
    }
  });
})();
