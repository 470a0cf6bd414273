package ui

import (
	"fmt"

	"resetdesk/desk"
)

// INTERIM until desk.Plan.Facts lands (planrun): the plan's facts as the review draws them.
type severity int

const (
	factInfo severity = iota
	factWarn
	factRefuse
)

type fact struct {
	severity severity
	text     string
}

func planFacts(p *desk.Plan) []fact {
	var out []fact
	if p.Refused != "" {
		out = append(out, fact{factRefuse, p.Refused})
	}
	if q := p.Quota; q.Has {
		switch past := p.PastQuota(); {
		case q.Left <= 0:
			out = append(out, fact{factRefuse, "the daily quota is spent: nothing would be sent"})
		case past > 0:
			out = append(out, fact{factWarn, fmt.Sprintf("daily quota: %d of %d left; the %d past it will be skipped", q.Left, q.Daily, past)})
		default:
			out = append(out, fact{factInfo, fmt.Sprintf("daily quota: %d of %d left; this run uses up to %d", q.Left, q.Daily, p.Sending())})
		}
	}
	if p.Transport != "" {
		out = append(out, fact{factWarn, p.Transport})
	}
	for _, j := range p.Journal {
		out = append(out, fact{factWarn, j})
	}
	if p.Approval.Needed {
		out = append(out, fact{factWarn, "needs a second technician's approval (" + p.Approval.Why + ")"})
	}
	return out
}
