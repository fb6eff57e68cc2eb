/* The iframe page tells the page that frames it how tall its content is, so that the
   partner can size the frame to fit (see the README for the few lines that listen).
   The message carries that one number and nothing about the visitor; it goes to any
   origin ("*"), since the page does not know, and must not learn, who frames it. */
(function () {
	if (parent === window || !window.ResizeObserver) {
		return;
	}
	var last = 0;
	// The body is at least as tall as the frame (min-height: 100vh), so measure to
	// the end of the content instead: an empty element after it (below the last
	// margins), and the body's padding.
	var end = document.body.appendChild(document.createElement("div"));
	function send() {
		var h = Math.ceil(end.getBoundingClientRect().top + scrollY + parseFloat(getComputedStyle(document.body).paddingBottom));
		if (h !== last) {
			last = h;
			parent.postMessage({signpost: "height", height: h}, "*");
		}
	}
	var ro = new ResizeObserver(send);
	for (var i = 0; i < document.body.children.length; i++) {
		ro.observe(document.body.children[i]);
	}
})();
