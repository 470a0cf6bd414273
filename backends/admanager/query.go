package admanager

import (
	"context"
	"net/http"
	"strings"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
)

// param is one query parameter; a slice keeps the order stable for the audit and tests.
type param struct{ key, value string }

// call sends one API call with PRODUCT_NAME, AuthToken and domainName first. It never
// logs or returns the URL, which holds the token (and the new password). A non-200
// answer is classified by status; the body of a 200 is for the caller to read.
func (c *Client) call(ctx context.Context, method, path string, ps []param, desc string, secrets ...string) (*httpx.Response, error) {
	req, err := http.NewRequest(method, httpx.JoinURL(c.base, path)+"?"+encodeQuery(c.withAuth(ps)), nil)
	if err != nil {
		return nil, backends.NewError(backends.NotSent, desc+": cannot build the request from the profile's url")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(ctx, req, desc, secrets...)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, httpx.StatusError(resp, desc, "")
	}
	return resp, nil
}

// withAuth is ps after the parameters every call carries: PRODUCT_NAME, AuthToken and
// domainName.
func (c *Client) withAuth(ps []param) []param {
	return append([]param{{"PRODUCT_NAME", c.product}, {"AuthToken", c.token}, {"domainName", c.domain}}, ps...)
}

// encodeQuery joins params as key=value with every value percent-encoded by escape.
func encodeQuery(ps []param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(p.key))
		b.WriteByte('=')
		b.WriteString(escape(p.value))
	}
	return b.String()
}

// escape percent-encodes every byte except ASCII letters, digits, '-', '_' and '.'.
// That covers the vendor's reserved (; / ? : @ = &) and unsafe (< > # % { } | \ ^ ~ [ ]
// ` " ') characters — url.QueryEscape leaves '~' alone — and writes a space as %20,
// never '+', which one production server kept as a literal '+'.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_' || ch == '.' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
