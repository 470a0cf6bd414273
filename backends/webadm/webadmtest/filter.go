package webadmtest

import (
	"fmt"
	"strconv"
	"strings"
)

// filter is a parsed RFC 4515 search filter: just enough of LDAP (and, or, not,
// equality, presence, substrings) to answer the searches a client sends, and to refuse
// a filter that an unescaped '(' or '*' would break, as a directory does.
type filter struct {
	op    byte // '&', '|', '!', '=' (equality or substrings), 0 for presence
	attr  string
	parts []string // for '=': the value split at unescaped '*' (len 1 = equality)
	subs  []*filter
}

type filterParser struct {
	s   string
	pos int
}

func parseFilter(s string) (*filter, error) {
	p := &filterParser{s: s}
	f, err := p.filter()
	if err != nil {
		return nil, err
	}
	if p.pos != len(s) {
		return nil, fmt.Errorf("trailing text at %d", p.pos)
	}
	return f, nil
}

func (p *filterParser) filter() (*filter, error) {
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return nil, fmt.Errorf("expected '(' at %d", p.pos)
	}
	p.pos++
	if p.pos >= len(p.s) {
		return nil, fmt.Errorf("unexpected end")
	}
	var f *filter
	switch c := p.s[p.pos]; c {
	case '&', '|', '!':
		p.pos++
		f = &filter{op: c}
		for p.pos < len(p.s) && p.s[p.pos] == '(' {
			sub, err := p.filter()
			if err != nil {
				return nil, err
			}
			f.subs = append(f.subs, sub)
		}
		if len(f.subs) == 0 || c == '!' && len(f.subs) != 1 {
			return nil, fmt.Errorf("bad operand count for %c", c)
		}
	default:
		item, err := p.item()
		if err != nil {
			return nil, err
		}
		f = item
	}
	if p.pos >= len(p.s) || p.s[p.pos] != ')' {
		return nil, fmt.Errorf("expected ')' at %d", p.pos)
	}
	p.pos++
	return f, nil
}

func (p *filterParser) item() (*filter, error) {
	eq := strings.IndexByte(p.s[p.pos:], '=')
	if eq <= 0 {
		return nil, fmt.Errorf("expected attr=value at %d", p.pos)
	}
	attr := p.s[p.pos : p.pos+eq]
	if strings.ContainsAny(attr, "()*\\~<>:") {
		return nil, fmt.Errorf("bad attribute %q", attr)
	}
	p.pos += eq + 1
	var parts []string
	var cur strings.Builder
	for {
		if p.pos >= len(p.s) {
			return nil, fmt.Errorf("unexpected end in value")
		}
		c := p.s[p.pos]
		switch c {
		case ')':
			parts = append(parts, cur.String())
			if len(parts) == 2 && parts[0] == "" && parts[1] == "" {
				return &filter{op: 0, attr: strings.ToLower(attr)}, nil
			}
			return &filter{op: '=', attr: strings.ToLower(attr), parts: parts}, nil
		case '(', 0:
			return nil, fmt.Errorf("unescaped %q in value", c)
		case '*':
			parts = append(parts, cur.String())
			cur.Reset()
			p.pos++
		case '\\':
			if p.pos+2 >= len(p.s) {
				return nil, fmt.Errorf("short escape")
			}
			v, err := strconv.ParseUint(p.s[p.pos+1:p.pos+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("bad escape %q", p.s[p.pos:p.pos+3])
			}
			cur.WriteByte(byte(v))
			p.pos += 3
		default:
			cur.WriteByte(c)
			p.pos++
		}
	}
}

// match applies f to an entry whose attribute names are lower-case; values compare
// case-insensitively, as with Active Directory's usual matching rules.
func (f *filter) match(attrs map[string][]string) bool {
	switch f.op {
	case '&':
		for _, s := range f.subs {
			if !s.match(attrs) {
				return false
			}
		}
		return true
	case '|':
		for _, s := range f.subs {
			if s.match(attrs) {
				return true
			}
		}
		return false
	case '!':
		return !f.subs[0].match(attrs)
	case 0:
		return len(attrs[f.attr]) > 0
	}
	for _, v := range attrs[f.attr] {
		if matchParts(f.parts, v) {
			return true
		}
	}
	return false
}

func matchParts(parts []string, v string) bool {
	v = strings.ToLower(v)
	if len(parts) == 1 {
		return v == strings.ToLower(parts[0])
	}
	first, last := strings.ToLower(parts[0]), strings.ToLower(parts[len(parts)-1])
	if !strings.HasPrefix(v, first) {
		return false
	}
	v = v[len(first):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(v, strings.ToLower(p))
		if i < 0 {
			return false
		}
		v = v[i+len(p):]
	}
	return strings.HasSuffix(v, last)
}
