/*! Signpost helplines widget: renders helpline cards into a shadow root after its script tag, reading only its own origin; no cookies, no storage. */
(function () {
	"use strict";
	// The server puts its data here when it serves the file: the style sheet, the
	// quick exit's URL and the lines to show when the API cannot be reached.
	var D = __SIGNPOST_DATA__;
	var me = document.currentScript;
	if (!me || !me.src || !me.parentNode || !window.fetch) {
		return;
	}
	var ds = me.dataset;
	var on = function (v) {
		return v != null && v !== "false" && v !== "0";
	};
	// The JSON sits next to this script, on the API's own origin.
	var api = new URL("helplines.json", me.src);
	var p = api.searchParams;
	["region", "topic", "audience", "channel", "limit"].forEach(function (k) {
		if (ds[k]) {
			p.set(k, ds[k]);
		}
	});
	if (on(ds.openNow)) {
		p.set("open_now", "true");
	}

	var host = el("div", "signpost-helplines");
	me.parentNode.insertBefore(host, me.nextSibling);
	var root = host.attachShadow({mode: "open"});
	// A constructed style sheet works under a host page's CSP that forbids inline
	// styles; older browsers get a <style> element.
	try {
		var sheet = new CSSStyleSheet();
		sheet.replaceSync(D.css);
		root.adoptedStyleSheets = [sheet];
	} catch (e) {
		root.appendChild(el("style", "", D.css));
	}
	var box = add(root, el("section", "sp" + (ds.theme === "dark" ? " sp-dark" : "")));
	box.setAttribute("aria-label", "Helplines");
	box.lang = "en-GB";

	var exitButton;
	if (on(ds.quickExit)) {
		exitButton = el("button", "sp-exit", "Exit this page (or press Shift 3 times)");
		exitButton.type = "button";
		exitButton.onclick = exit;
		// Shift pressed three times within 5 seconds, no other key between, as on
		// GOV.UK's "Exit this page".
		var presses = 0;
		var first = 0;
		document.addEventListener("keydown", function (e) {
			if (e.key !== "Shift") {
				presses = 0;
			} else if (!e.repeat) {
				if (Date.now() - first > 5000) {
					presses = 0;
				}
				if (!presses) {
					first = Date.now();
				}
				if (++presses > 2) {
					exit();
				}
			}
		}, true);
	}

	// exit hides the page at once and replaces it in the history with a neutral
	// one, so that Back does not return to it. The navigation would follow the
	// partner page's referrer policy, which may send its full address (query
	// included) to the neutral site; a referrer meta element added last overrides
	// that policy, so none is sent.
	function exit() {
		if (!exit.done) {
			exit.done = 1;
			document.documentElement.style.visibility = "hidden";
			var m = el("meta");
			m.name = "referrer";
			m.content = "no-referrer";
			(document.head || document.documentElement).appendChild(m);
			location.replace(D.exit);
		}
	}

	render(0, "Loading helplines…");
	var abort = new AbortController();
	var timer = setTimeout(function () {
		abort.abort();
	}, 10000);
	fetch(api.href, {credentials: "omit", referrerPolicy: "no-referrer", signal: abort.signal}).then(function (r) {
		return r.json().then(function (b) {
			if (!r.ok) {
				throw new Error(b.detail);
			}
			render(b.data);
		});
	}).catch(function (err) {
		console.warn("Signpost helplines: " + err.message);
		render(D.fallback, "Helplines could not be loaded just now.");
	}).then(function () {
		clearTimeout(timer);
	});

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		e.className = cls || "";
		if (text) {
			e.textContent = text;
		}
		return e;
	}

	function add(parent, child, space) {
		if (space) {
			parent.appendChild(document.createTextNode(" "));
		}
		return parent.appendChild(child);
	}

	// labelled adds "<strong>label</strong> text" in a paragraph of class cls.
	function labelled(parent, cls, label, text) {
		var e = add(parent, el("p", cls));
		add(e, el("strong", "", label));
		e.appendChild(document.createTextNode(" " + text));
	}

	// render shows list (the data of /embed/helplines.json, or the fallback) as
	// page.html does, with headings a level lower under the host page's own.
	// message, when set, comes before the cards.
	function render(list, message) {
		box.textContent = "";
		if (exitButton) {
			add(box, exitButton);
		}
		add(box, el("h2", "sp-title", "Helplines"));
		if (!list) {
			add(box, el("p", "sp-msg", message));
			return;
		}
		(list.emergency || []).forEach(function (l) {
			var s = add(box, el("section", "sp-em"));
			add(s, el("h3", "", "In an emergency"));
			if (l.description) {
				add(s, el("p", "", l.description));
			}
			note(s, l);
			contacts(s, l.contacts);
			checked(s, l);
		});
		var lines = list.helplines || [];
		if (message || !lines.length) {
			add(box, el("p", "sp-msg", message || "No helplines here match this choice."));
		}
		if (!lines.length && (list.national || []).length) {
			add(box, el("p", "", "These national helplines can help:"));
			lines = list.national;
		}
		if (lines.length) {
			var ul = add(box, el("ul", "sp-cards"));
			lines.forEach(function (l) {
				card(add(ul, el("li", "sp-card")), l);
			});
		}
		add(box, el("p", "sp-foot", "Helpline details from Signpost."));
	}

	function card(li, l) {
		add(li, el("h3", "sp-name", l.name));
		var b = el("p", "sp-badges");
		if (l.status) {
			add(b, el("span", "sp-b sp-" + l.status.state, l.status.text), 1);
		}
		if (l.anonymous) {
			add(b, el("span", "sp-b sp-i", "Anonymous"), 1);
		}
		if (l.confidential) {
			add(b, el("span", "sp-b sp-i", "Confidential"), 1);
		}
		if (b.firstChild) {
			add(li, b);
		}
		note(li, l);
		if (l.description) {
			add(li, el("p", "", l.description));
		}
		if (l["for"]) {
			labelled(li, "", "Who it is for:", l["for"]);
		}
		contacts(li, l.contacts);
		if (l.hours_text) {
			labelled(li, "sp-hours", "Hours:", l.hours_text);
		}
		checked(li, l);
		// The line's page, from the JSON's absolute URL or the fallback's URL
		// relative to this script.
		var more;
		try {
			more = l.url && new URL(l.url, me.src);
		} catch (e) {
			// No link rather than no card.
		}
		if (more && /^https?:$/.test(more.protocol)) {
			var a = add(add(li, el("p", "sp-more")), el("a", "", "More about " + l.name));
			a.href = more.href;
			a.setAttribute("aria-label", "More about " + l.name + " (opens in a new tab)");
			a.target = "_blank";
			a.rel = "noopener noreferrer";
		}
	}

	// note says the limits of a line's anonymity or confidentiality, beside its
	// badges, as page.html does.
	function note(parent, l) {
		if (l.confidentiality_note) {
			labelled(parent, "sp-note", "Confidentiality:", l.confidentiality_note);
		}
	}

	function checked(parent, l) {
		if (l.checked_text) {
			add(parent, el("p", "sp-checked", l.checked_text));
		}
	}

	function contacts(parent, list) {
		if (!list.length) {
			return;
		}
		var ul = add(parent, el("ul", "sp-contacts"));
		list.forEach(function (c) {
			var li = add(ul, el("li"));
			add(li, el("span", "sp-cl", c.label + ":"));
			// Only the schemes the page links to; anything else is text.
			if (/^(tel:|sms:|mailto:|https?:\/\/)[^\s"'<>`]+$/i.test(c.uri)) {
				var a = add(li, el("a", "", c.display), 1);
				a.href = c.uri;
				a.setAttribute("aria-label", c.name);
				if (c.new_tab) {
					a.target = "_blank";
					a.rel = "noopener noreferrer";
				}
			} else {
				li.appendChild(document.createTextNode(" " + c.display));
			}
			(c.meta || []).forEach(function (m) {
				add(li, el("span", "sp-m", m), 1);
			});
		});
	}
})();
