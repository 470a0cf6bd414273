// Package fakeusers makes the sample people that the fake servers (and so the demo) are
// seeded with: deterministic, varied names, so that searches find something.
package fakeusers

import "fmt"

// Person is one sample user.
type Person struct {
	First, Last string
	Login       string // "jdoe3": first initial, last name, a number when taken
	Phone       string // 10 digits: the desk line
	Mobile      string // an international mobile number, for text messages
	Extension   string // 4 digits
	Department  string
}

var firsts = []string{"Ada", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
	"Kim", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yusuf", "Zoe"}
var lasts = []string{"Smith", "Doe", "Garcia", "Nguyen", "Okafor", "Muller", "Rossi", "Kowalski", "Tanaka", "Silva",
	"Brown", "Khan", "Larsen", "Novak", "Patel", "Ivanova", "Cohen", "Dubois", "Fischer", "Moreau"}
var depts = []string{"Sales", "Support", "Finance", "Engineering", "Operations", "Legal", "HR", "Marketing"}

// People returns n sample people; the same n gives the same people.
func People(n int) []Person {
	out := make([]Person, 0, n)
	taken := map[string]int{}
	for i := range n {
		f := firsts[i%len(firsts)]
		l := lasts[(i/len(firsts)+i)%len(lasts)]
		login := fmt.Sprintf("%c%s", f[0]+'a'-'A', toLower(l))
		taken[login]++
		if c := taken[login]; c > 1 {
			login = fmt.Sprintf("%s%d", login, c)
		}
		out = append(out, Person{
			First: f, Last: l, Login: login,
			Phone:      fmt.Sprintf("98715%05d", 15000+i),
			Mobile:     fmt.Sprintf("+336%08d", 12340000+i),
			Extension:  fmt.Sprintf("%04d", 5000+i),
			Department: depts[i%len(depts)],
		})
	}
	return out
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
