// example.ts uses the TypeScript client that openapi-typescript and openapi-fetch
// make from Signpost's /openapi.json (the types go to signpost.d.ts, which is not
// committed): a page of articles, revalidated with its ETag, one helpline, a typed
// problem for an unknown slug and, with an editor key, a new draft. .ci/clients
// compiles it with tsc --strict and runs it against a live server; it fails on any
// answer the description does not lead it to expect.
//
//   npx openapi-typescript http://localhost:8080/openapi.json -o typescript/signpost.d.ts
//   npx tsc -p . && node typescript/dist/example.js http://localhost:8080 "$SIGNPOST_KEY"
import createClient from "openapi-fetch";
import type { components, paths } from "./signpost.js";

type Article = components["schemas"]["handlers.Article"];
type Problem = components["schemas"]["handlers.Problem"];

// typed takes only a value whose type is not any, so that this file stops compiling
// if the description loses its types.
type NotAny<T> = 0 extends 1 & T ? never : T;
function typed<T>(v: NotAny<T>): T {
  return v;
}

const [base = "http://localhost:8080", key = process.env.SIGNPOST_KEY ?? ""] = process.argv.slice(2);
const client = createClient<paths>({ baseUrl: base });

function fail(what: string, status: number, problem?: Problem): never {
  throw new Error(`${what}: status ${status}${problem ? ` (${problem.title}: ${problem.detail})` : ""}`);
}

// A page of articles: every field an article always has is required, and the
// nullable ones say so.
const list = await client.GET("/api/v1/articles", { params: { query: { limit: 2 } } });
if (!list.data) fail("list articles", list.response.status, list.error);
for (const a of list.data.data) {
  const article: Article = a;
  const slug: string = typed(article.slug);
  const updated: string = typed(article.updated_at);
  const published: string | null = typed(article.published_at);
  console.log(`article  ${slug}  ${article.title} (published ${published ?? "never"}, updated ${updated})`);
}
const next: string | null = typed(list.data.meta.next_cursor);
if (next !== null) console.log(`next page: cursor ${next}`);

// The same page again with its ETag: 304 and no body.
const etag = list.response.headers.get("ETag");
if (!etag) fail("list articles: no ETag", list.response.status);
const again = await client.GET("/api/v1/articles", {
  params: { query: { limit: 2 }, header: { "If-None-Match": etag } },
});
if (again.response.status !== 304) fail("list articles with If-None-Match (want 304)", again.response.status);
console.log("revalidated: 304 Not Modified");

// One helpline; open_now is null when the hours are not known.
const hl = await client.GET("/api/v1/helplines/{slug}", { params: { path: { slug: "stop-it-now" } } });
if (!hl.data) fail("get helpline", hl.response.status, hl.error);
const h = hl.data.data;
const open: boolean | null = typed(h.open_now);
console.log(`helpline ${h.name}: ${open === null ? "unknown" : open ? "open" : "closed"} now`);
for (const c of h.contacts) {
  console.log(`  ${typed(c.type)} ${c.label}: ${c.display} (${c.uri})`);
}

// An unknown slug is an RFC 9457 problem, typed as one.
const nf = await client.GET("/api/v1/articles/{slug}", { params: { path: { slug: "no-such-article" } } });
if (nf.response.status !== 404 || !nf.error) fail("get unknown article (want 404)", nf.response.status);
const problem: Problem = nf.error;
console.log(`unknown article: ${typed(problem.status)} ${problem.title}`);

if (!key) {
  console.log("no key: not creating a draft");
} else {
  // A draft, written with the typed request body; it is not public until published.
  const created = await client.POST("/api/v1/articles", {
    body: { title: "A draft from the TypeScript client", summary: "Written by the generated TypeScript client.", status: "draft" },
    headers: { Authorization: `Bearer ${key}` },
  });
  if (!created.data) fail("create article", created.response.status, created.error);
  console.log(`created draft ${created.data.data.slug} (${created.data.data.status})`);
}
