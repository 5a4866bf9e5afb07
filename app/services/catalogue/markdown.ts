import MarkdownIt from "markdown-it";

// Result descriptions are Markdown written by institutions and shown to everyone, so rendering must be safe by
// construction: markdown-it with HTML disabled escapes every tag in the source (no raw HTML passthrough), links are
// limited to http(s) and mailto, and images are off (no tracking pixels or hot-linked content on the storefront).
// Rendered on the server; the page inserts the returned HTML as is.

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
md.disable(["image"]);

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
md.validateLink = (url: string) => SAFE_LINK.test(url.trim());

// External links: not endorsed by the market (nofollow), and the opened page gets no handle on ours (noopener).
const renderToken = md.renderer.renderToken.bind(md.renderer);
md.renderer.rules.link_open = (tokens, idx, options) => {
  tokens[idx].attrSet("rel", "nofollow noopener");
  tokens[idx].attrSet("target", "_blank");
  return renderToken(tokens, idx, options);
};

// The page owns h1/h2: a description's headings start at h3.
md.core.ruler.push("shift_headings", (state) => {
  for (const token of state.tokens) {
    if (token.type === "heading_open" || token.type === "heading_close") {
      const level = Math.min(6, Number(token.tag.slice(1)) + 2);
      token.tag = `h${level}`;
    }
  }
});

/** Markdown → sanitised HTML. */
export function renderMarkdown(markdown: string): string {
  return md.render(markdown);
}
