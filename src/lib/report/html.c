/* html.c - one self-contained HTML page (inline SVG and CSS, no script, no network): the text
 * report, its charts, and the JSON with the inputs it was computed from. */
#include "report_internal.h"

#include <stdio.h>

static const char STYLE[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;color:#222;"
    "background:#fff}h1{font-size:1.3em}pre{background:#f4f4f4;padding:1em;overflow-x:auto;font-size:12.5px}"
    ".sp-grid{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}.sp-grid>pre{flex:1 1 560px;margin:0}"
    ".sp-charts{flex:1 1 640px;display:flex;flex-direction:column;gap:1em}.sp-charts svg{max-width:100%;"
    "height:auto}details{margin-top:1.5em}footer{margin-top:2em;color:#666;font-size:12px}"
    "@media (prefers-color-scheme:dark){body{color:#ddd;background:#16181c}pre{background:#22252b}"
    "footer{color:#999}}";

char *sp_html_page(const char *title, const char *text, char *const *charts, size_t chart_count, const char *json,
                   sp_error *err)
{
    sp_buf b = {0};
    sp_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
    sp_xml_text(&b, title);
    sp_buf_printf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", STYLE);
    sp_xml_text(&b, title);
    sp_buf_puts(&b, "</h1>\n<div class=\"sp-grid\">\n<pre>");
    sp_xml_text(&b, text);
    sp_buf_puts(&b, "</pre>\n<div class=\"sp-charts\">\n");
    for (size_t i = 0; i < chart_count; i++)
        if (charts[i])
            sp_buf_puts(&b, charts[i]);
    sp_buf_puts(&b, "</div>\n</div>\n<details>\n<summary>Inputs and results (the JSON report)</summary>\n<pre>");
    sp_xml_text(&b, json);
    sp_buf_printf(&b, "</pre>\n</details>\n<footer>stackplan %s: the same numbers as the text and JSON reports; "
                      "every chart is drawn from them.</footer>\n</body>\n</html>\n",
                  SP_VERSION);
    return sp_buf_finish(&b, err);
}
