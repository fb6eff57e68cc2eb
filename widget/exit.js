/* The iframe page's quick exit, when JavaScript runs. The "Exit this page" link
   (target="_top") opens the neutral site in the whole window, which adds a history
   entry, so Back returns to the partner's page. This replaces the top page instead.
   A cross-origin frame may navigate the top page during a user's click or key press,
   and sandboxed frames need allow-top-navigation-by-user-activation (and
   allow-scripts). When the browser refuses, replace throws, and the link goes on as
   it would without JavaScript. */
(function () {
	var a = document.querySelector(".sp-exit");
	a.onclick = function (e) {
		try {
			top.location.replace(a.href);
			e.preventDefault();
		} catch (x) {
			// The link's own navigation follows.
		}
	};
	// The link looks like a button, so Space works as on a button (Enter follows any
	// link, and fires click).
	a.onkeydown = function (e) {
		if (e.key === " ") {
			e.preventDefault();
			a.click();
		}
	};
})();
