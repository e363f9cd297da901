package bookgen

import (
	"fmt"
	"math"

	"github.com/phoneinc/contacts"
)

// country is a number range and the names, companies and mail domains
// that go with it.
type country struct {
	region   string
	weight   int
	size     uint64                // numbers in the range
	number   func(j uint64) string // the j-th number of the range, E.164
	mult     uint64                // permute: j = (k*mult + off) mod size
	off      uint64
	first    []string
	last     []string
	suffixes []string
	tld      string
	mail     []string
}

// permute maps [0, size) onto itself, a bijection, so that numbers are
// unique without remembering them and do not come out in counting order.
func (c *country) permute(j uint64) uint64 { return (j%c.size*c.mult + c.off) % c.size }

// tries is how many candidates a row has. Not every number of a range is
// valid (DK 2x0…, FR 69x… are partly unassigned), so the k-th row of a
// country tries numbers permute(k + r*capacity), r < tries, in turn: all
// distinct, so still unique.
const tries = 4

func (c *country) capacity() uint64 { return c.size / tries }

// phone returns the k-th number of the country (k < capacity), checked
// with contacts.NormalizePhone to be valid and already in E.164 form.
func (c *country) phone(k uint64) (contacts.Phone, error) {
	var err error
	for r := uint64(0); r < tries; r++ {
		num := c.number(c.permute(k + r*c.capacity()))
		var p contacts.Phone
		if p, err = contacts.NormalizePhone(num, ""); err == nil {
			if p.E164 != num {
				return p, fmt.Errorf("generated %s, which normalizes to %s", num, p.E164)
			}
			return p, nil
		}
	}
	return contacts.Phone{}, fmt.Errorf("no valid number among %d candidates in %s: %w", tries, c.region, err)
}

// US exchanges: 200–999 without 555, the fictional one.
const usExchanges = 799

var countries = []country{
	{region: "DK", weight: 25, size: 1e7,
		number: func(j uint64) string { return fmt.Sprintf("+452%07d", j) },
		first: []string{"Anne", "Mette", "Søren", "Jens", "Lars", "Mads", "Freja", "Ida", "Niels", "Kirsten", "Mikkel",
			"Sofie", "Rasmus", "Line", "Anders", "Birgitte", "Jørgen", "Maja", "Christian", "Emma", "Frederik", "Louise"},
		last: []string{"Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
			"Rasmussen", "Jørgensen", "Kierkegaard", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen", "Østergaard"},
		suffixes: []string{"ApS", "A/S", "I/S"}, tld: "dk",
		mail: []string{"gmail.com", "outlook.dk", "hotmail.com", "live.dk", "mail.dk", "jubii.dk"}},
	{region: "US", weight: 25, size: 3 * usExchanges * 10000,
		number: func(j uint64) string {
			npa := []int{415, 212, 646}[j/(usExchanges*10000)]
			r := j % (usExchanges * 10000)
			nxx := 200 + int(r/10000)
			if nxx >= 555 {
				nxx++
			}
			return fmt.Sprintf("+1%d%d%04d", npa, nxx, r%10000)
		},
		first: []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
			"Elizabeth", "Maria", "José", "Aisha", "Wei", "Priya", "Tyrone", "Shaniqua", "Connor", "Mei", "DeShawn"},
		last: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
			"Martinez", "Nguyen", "Kim", "Patel", "O'Brien", "Stephenson", "Washington", "Cohen", "Lee"},
		suffixes: []string{"Inc.", "LLC", "Corp.", "Co."}, tld: "com",
		mail: []string{"gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "proton.me"}},
	{region: "GB", weight: 10, size: 1e6,
		number: func(j uint64) string { return fmt.Sprintf("+447400%06d", j) },
		first: []string{"Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily", "Charlotte", "William",
			"Sophie", "Rhys", "Siobhan", "Callum", "Niamh", "Alfie"},
		last: []string{"Taylor", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White",
			"Hughes", "Edwards", "Green", "Hall", "Wood", "Clarke", "Jackson", "Ó Súilleabháin"},
		suffixes: []string{"Ltd", "PLC", "LLP"}, tld: "co.uk",
		mail: []string{"gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com", "sky.com"}},
	{region: "DE", weight: 15, size: 1e7,
		number: func(j uint64) string { return fmt.Sprintf("+491512%07d", j) },
		first: []string{"Jürgen", "Anna", "Lukas", "Leonie", "Maximilian", "Sabine", "Stefan", "Ursula", "Wolfgang",
			"Hannah", "Felix", "Jörg", "Lena", "Matthias", "Günther", "Katrin"},
		last: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
			"Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Groß"},
		suffixes: []string{"GmbH", "AG", "KG", "GmbH & Co. KG"}, tld: "de",
		mail: []string{"gmx.de", "web.de", "t-online.de", "gmail.com", "posteo.de"}},
	{region: "FR", weight: 15, size: 1e8,
		number: func(j uint64) string { return fmt.Sprintf("+336%08d", j) },
		first: []string{"Jean", "Marie", "Pierre", "Camille", "Léa", "Chloé", "Hugo", "Louis", "Zoé", "François",
			"Hélène", "Amélie", "Théo", "Inès", "Noël", "Gaëlle"},
		last: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
			"Moreau", "Lefèvre", "Girard", "Fontaine", "Chevalier", "d'Artagnan"},
		suffixes: []string{"SARL", "SAS", "SA"}, tld: "fr",
		mail: []string{"orange.fr", "free.fr", "laposte.net", "gmail.com", "sfr.fr", "wanadoo.fr"}},
	{region: "SE", weight: 10, size: 1e7,
		number: func(j uint64) string { return fmt.Sprintf("+4670%07d", j) },
		first: []string{"Åsa", "Björn", "Erik", "Karin", "Lars", "Anna", "Oskar", "Elsa", "Maja", "Linnéa", "Nils",
			"Ingrid", "Sven", "Astrid", "Märta"},
		last: []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
			"Svensson", "Gustafsson", "Lindqvist", "Åberg", "Bergström", "Sjöberg"},
		suffixes: []string{"AB", "HB"}, tld: "se",
		mail: []string{"telia.com", "gmail.com", "hotmail.se", "bredband.net", "spray.se"}},
}

var totalWeight = func() int {
	t := 0
	for i := range countries {
		c := &countries[i]
		t += c.weight
		// A multiplier near size/φ, coprime with size, spreads consecutive
		// numbers over the whole range.
		c.mult = uint64(float64(c.size) / math.Phi)
		for gcd(c.mult, c.size) != 1 {
			c.mult++
		}
		c.off = c.size / uint64(3+i)
	}
	return t
}()

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

var companyWords = []string{"Nordic", "Harbour", "Blue Fjord", "Summit", "Pioneer", "Atlas", "Maple", "Granite", "Vista",
	"Copper", "Northwind", "Evergreen", "Lakeside", "Bright", "Falcon", "Orion", "Meridian", "Cedar", "Silver",
	"Keystone", "Øresund", "Café Lumière", "Zürich Street", "Acme", "Initech", "Globex", "Umbrella", "Hooli"}

var companyKinds = []string{"Logistics", "Consulting", "Software", "Design", "Foods", "Energy", "Telecom", "Health",
	"Partners", "Systems", "Media", "Builders", "Analytics", "Capital", "Dental", "Motors", "Plumbing", "Bakery"}

var partners = []string{"Sons", "Daughters", "Partners", "Co", "Friends", "Associates"}

var phrases = []string{
	"Prefers email.",
	"Call after 14:00.",
	"Met at the Copenhagen trade fair.",
	"Decision maker for the renewal.",
	"Has two numbers; this is the mobile.",
	"Speaks Danish, German and English.",
	"Invoice questions go to accounting, not to her.",
	"Ask for extension 12 at reception.",
	"VIP customer — answer promptly.",
	"Do not call on Fridays.",
	"Referred by Mette from the Aarhus office.",
	"Wants a quote for 50 licences, \"ASAP\".",
	"Birthday in March.",
	"Prefers to be called \"Bob\".",
	"Uses a PBX; caller ID may show the switchboard.",
	"Owes us €1,250 since the spring; be polite but firm.",
	"Très sympathique, parle un peu anglais.",
	"Rückruf erwünscht, am besten vormittags.",
	"Ringer ofta från bilen, dålig täckning.",
	"Support ticket #4711 (printer, again).",
	"Allergic to nuts — remember for the Christmas basket.",
	"Switching to the annual plan in Q3.",
	"Old number was disconnected; this one is current.",
	"Sends everything by fax, somehow.",
	"Tab-separated\tcolumns pasted from a spreadsheet.",
	"Keen on the API; ask about webhooks.",
	"Left a voicemail 3 times; no answer.",
	"Her assistant, Ole, handles the calendar.",
	"Paid by card, receipt sent to the shared inbox.",
	"Emoji fan 🎉 — keep it informal.",
}
