package phonenumbers

import "embed"

//go:embed data/countrycode_to_region.xml.gz
var regionData []byte

// PATCHED: the metadata is embedded as it is decoded, not gzipped: it is
// read on the first parse of a number in every process, and gunzipping its
// 190 KB took a millisecond of a command's start.
//
//go:embed data/metadata.pb
var numberData []byte

//go:embed data/prefix_to_carriers/*.gz
var carrierData embed.FS
var carrierDataPath = "data/prefix_to_carriers"

// PATCHED: the geocoder (geocoding.go and data/prefix_to_geocodings, 912
// KB) is left out: contacts does not use it, and it linked
// golang.org/x/text/language/display, whose tables cost 0.8 ms of every
// start.

//go:embed data/prefix_to_timezone.xml.gz
var timezoneData []byte

//go:embed data/shortnumber_metadata.xml.gz
var shortNumberData []byte
