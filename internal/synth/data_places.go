package synth

// Places of the synthetic world: the towns of Leicester, Leicestershire and
// Rutland with their postcode districts and approximate centres (domain.md
// §7.1; coordinates are town-centre approximations, good to about 0.01°,
// for demo maps only), the areas county lines export from, railway
// stations, hotspot locations and ANPR cameras. Postcode inward codes,
// street numbers and hotspot names are synthetic.

// area is a local authority, keyed by its DfE LA number.
type area struct {
	code   string // DfE LA number: 855, 856, 857 (or an exporting LA's)
	name   string
	prefix string // social care LA id prefix
}

var (
	areaLeicestershire = &area{code: "855", name: "Leicestershire", prefix: "LSC"}
	areaLeicester      = &area{code: "856", name: "Leicester", prefix: "LCC"}
	areaRutland        = &area{code: "857", name: "Rutland", prefix: "RCC"}
)

// district is a postcode district (outward code) with its approximate
// centre and spread (half-widths in degrees).
type district struct {
	code             string
	lat, lon         float64
	spreadLat, sprLo float64
}

// town is a place people live, in one area.
type town struct {
	name      string
	area      *area
	council   string // the district or unitary council (Charnwood, …)
	weight    float64
	districts []district
	station   string // the nearest railway station (a key of stations)
	lat, lon  float64
}

// towns of LLR. Weights are Census 2021 populations in thousands, with the
// county towns scaled up to stand for their surrounding villages.
var towns = []*town{
	{name: "Leicester", area: areaLeicester, council: "Leicester", weight: 368, station: "Leicester", lat: 52.636, lon: -1.133,
		districts: []district{{"LE1", 52.6355, -1.1330, 0.006, 0.008}, {"LE2", 52.6140, -1.1200, 0.015, 0.02}, {"LE3", 52.6330, -1.1750, 0.015, 0.02}, {"LE4", 52.6660, -1.1250, 0.015, 0.02}, {"LE5", 52.6400, -1.0850, 0.015, 0.02}}},
	{name: "Loughborough", area: areaLeicestershire, council: "Charnwood", weight: 120, station: "Loughborough", lat: 52.772, lon: -1.206,
		districts: []district{{"LE11", 52.7710, -1.2050, 0.012, 0.02}}},
	{name: "Shepshed", area: areaLeicestershire, council: "Charnwood", weight: 26, station: "Loughborough", lat: 52.768, lon: -1.295,
		districts: []district{{"LE12", 52.7680, -1.2950, 0.008, 0.012}}},
	{name: "Syston", area: areaLeicestershire, council: "Charnwood", weight: 24, station: "Syston", lat: 52.697, lon: -1.076,
		districts: []district{{"LE7", 52.6970, -1.0760, 0.008, 0.012}}},
	{name: "Birstall", area: areaLeicestershire, council: "Charnwood", weight: 20, station: "Leicester", lat: 52.675, lon: -1.120,
		districts: []district{{"LE4", 52.6750, -1.1200, 0.006, 0.01}}},
	{name: "Hinckley", area: areaLeicestershire, council: "Hinckley and Bosworth", weight: 95, station: "Hinckley", lat: 52.541, lon: -1.373,
		districts: []district{{"LE10", 52.5410, -1.3730, 0.012, 0.018}}},
	{name: "Earl Shilton", area: areaLeicestershire, council: "Hinckley and Bosworth", weight: 20, station: "Hinckley", lat: 52.577, lon: -1.305,
		districts: []district{{"LE9", 52.5770, -1.3050, 0.006, 0.01}}},
	{name: "Market Harborough", area: areaLeicestershire, council: "Harborough", weight: 48, station: "Market Harborough", lat: 52.478, lon: -0.921,
		districts: []district{{"LE16", 52.4780, -0.9210, 0.01, 0.015}}},
	{name: "Lutterworth", area: areaLeicestershire, council: "Harborough", weight: 20, station: "Narborough", lat: 52.455, lon: -1.200,
		districts: []district{{"LE17", 52.4550, -1.2000, 0.008, 0.012}}},
	{name: "Melton Mowbray", area: areaLeicestershire, council: "Melton", weight: 50, station: "Melton Mowbray", lat: 52.766, lon: -0.886,
		districts: []district{{"LE13", 52.7660, -0.8860, 0.01, 0.015}}},
	{name: "Coalville", area: areaLeicestershire, council: "North West Leicestershire", weight: 70, station: "Loughborough", lat: 52.722, lon: -1.370,
		districts: []district{{"LE67", 52.7220, -1.3700, 0.012, 0.018}}},
	{name: "Ashby-de-la-Zouch", area: areaLeicestershire, council: "North West Leicestershire", weight: 27, station: "Loughborough", lat: 52.746, lon: -1.476,
		districts: []district{{"LE65", 52.7460, -1.4760, 0.008, 0.012}}},
	{name: "Blaby", area: areaLeicestershire, council: "Blaby", weight: 35, station: "South Wigston", lat: 52.576, lon: -1.164,
		districts: []district{{"LE8", 52.5760, -1.1640, 0.008, 0.012}}},
	{name: "Narborough", area: areaLeicestershire, council: "Blaby", weight: 40, station: "Narborough", lat: 52.573, lon: -1.203,
		districts: []district{{"LE19", 52.5730, -1.2030, 0.008, 0.012}}},
	{name: "Wigston", area: areaLeicestershire, council: "Oadby and Wigston", weight: 60, station: "South Wigston", lat: 52.588, lon: -1.105,
		districts: []district{{"LE18", 52.5880, -1.1050, 0.008, 0.012}}},
	{name: "Oadby", area: areaLeicestershire, council: "Oadby and Wigston", weight: 45, station: "Leicester", lat: 52.606, lon: -1.079,
		districts: []district{{"LE2", 52.6060, -1.0790, 0.006, 0.01}}},
	{name: "Oakham", area: areaRutland, council: "Rutland", weight: 27, station: "Oakham", lat: 52.670, lon: -0.728,
		districts: []district{{"LE15", 52.6700, -0.7280, 0.012, 0.02}}},
	{name: "Uppingham", area: areaRutland, council: "Rutland", weight: 14, station: "Oakham", lat: 52.588, lon: -0.722,
		districts: []district{{"LE15", 52.5880, -0.7220, 0.008, 0.012}}},
}

var townCum = func() []float64 {
	w := make([]float64, len(towns))
	for i, t := range towns {
		w[i] = t.weight
	}
	return cumulative(w)
}()

func townByName(name string) *town {
	for _, t := range towns {
		if t.name == name {
			return t
		}
	}
	panic("synth: unknown town " + name)
}

// importingTowns are the towns county lines supply, with relative weights.
var importingTowns = []struct {
	name   string
	weight float64
}{
	{"Loughborough", 4}, {"Hinckley", 3}, {"Market Harborough", 2}, {"Coalville", 3}, {"Melton Mowbray", 2},
	{"Oakham", 1}, {"Lutterworth", 1}, {"Ashby-de-la-Zouch", 1}, {"Shepshed", 1}, {"Wigston", 1.5},
}

// focusCouncil is the district whose networks the demo concentrates on
// (domain: "~50 children linked to one district's networks").
const focusCouncil = "Charnwood"

// exportArea is where a county line's controllers live and run it from.
type exportArea struct {
	name      string // London, West Midlands, Nottingham, Leicester
	area      *area
	districts []district
	station   string
	weight    float64
}

var exportAreas = []*exportArea{
	{name: "London", weight: 4, station: "London St Pancras", area: &area{code: "204", name: "Hackney", prefix: "HCK"},
		districts: []district{{"E8", 51.5450, -0.0570, 0.006, 0.01}, {"E5", 51.5590, -0.0520, 0.006, 0.01}}},
	{name: "London", weight: 3, station: "London Euston", area: &area{code: "309", name: "Haringey", prefix: "HGY"},
		districts: []district{{"N17", 51.5970, -0.0700, 0.006, 0.01}, {"N15", 51.5810, -0.0820, 0.006, 0.01}}},
	{name: "London", weight: 2, station: "London St Pancras", area: &area{code: "208", name: "Lambeth", prefix: "LBH"},
		districts: []district{{"SW9", 51.4680, -0.1130, 0.006, 0.01}}},
	{name: "West Midlands", weight: 4, station: "Birmingham New Street", area: &area{code: "330", name: "Birmingham", prefix: "BCC"},
		districts: []district{{"B6", 52.5050, -1.8850, 0.006, 0.01}, {"B7", 52.4950, -1.8750, 0.006, 0.01}, {"B21", 52.5100, -1.9350, 0.006, 0.01}}},
	{name: "West Midlands", weight: 2, station: "Wolverhampton", area: &area{code: "336", name: "Wolverhampton", prefix: "WOL"},
		districts: []district{{"WV10", 52.6100, -2.1150, 0.006, 0.01}}},
	{name: "Nottingham", weight: 1, station: "Nottingham", area: &area{code: "892", name: "Nottingham", prefix: "NCC"},
		districts: []district{{"NG7", 52.9500, -1.1750, 0.006, 0.01}}},
	{name: "Leicester", weight: 2, station: "Leicester", area: areaLeicester,
		districts: []district{{"LE2", 52.6140, -1.1200, 0.01, 0.015}, {"LE4", 52.6660, -1.1250, 0.01, 0.015}, {"LE5", 52.6400, -1.0850, 0.01, 0.015}}},
}

var exportCum = func() []float64 {
	w := make([]float64, len(exportAreas))
	for i, e := range exportAreas {
		w[i] = e.weight
	}
	return cumulative(w)
}()

// station is a railway station.
type station struct {
	name     string
	lat, lon float64
}

var stations = map[string]station{
	"London St Pancras":     {"London St Pancras", 51.5310, -0.1260},
	"London Euston":         {"London Euston", 51.5280, -0.1340},
	"Birmingham New Street": {"Birmingham New Street", 52.4780, -1.8990},
	"Wolverhampton":         {"Wolverhampton", 52.5880, -2.1200},
	"Nottingham":            {"Nottingham", 52.9470, -1.1460},
	"Leicester":             {"Leicester", 52.6310, -1.1250},
	"Loughborough":          {"Loughborough", 52.7790, -1.1960},
	"Hinckley":              {"Hinckley", 52.5340, -1.3710},
	"Market Harborough":     {"Market Harborough", 52.4800, -0.9090},
	"Melton Mowbray":        {"Melton Mowbray", 52.7610, -0.8860},
	"Oakham":                {"Oakham", 52.6720, -0.7340},
	"Syston":                {"Syston", 52.6950, -1.0830},
	"Narborough":            {"Narborough", 52.5710, -1.2030},
	"South Wigston":         {"South Wigston", 52.5820, -1.1340},
}

// streets are generic English street names; a postcode unit's street is
// chosen from them by a hash, so one postcode is always one street.
var streets = []string{"Station Road", "Main Street", "Church Street", "High Street", "Mill Lane", "Park Road", "Victoria Road",
	"Albert Street", "Queen Street", "King Street", "London Road", "Forest Road", "Ashby Road", "Meadow Lane", "Orchard Close",
	"Chestnut Avenue", "Beech Drive", "Oak Crescent", "Willow Way", "Elm Grove", "Cedar Road", "Highfield Street", "Springfield Road",
	"Westfield Road", "Northgate", "Southfields Drive", "Greenacres", "Brook Street", "Canal Street", "Wharf Lane",
	"Belgrave Road", "Melton Road", "Narborough Road", "Humberstone Road", "Hinckley Road", "Uppingham Road", "Welford Road",
	"Granby Street", "Sparkenhoe Street", "Evington Road", "Saffron Lane", "Aylestone Road", "Fosse Road", "Braunstone Lane",
	"Charnwood Road", "Nottingham Road", "Derby Road", "Leicester Road", "Coventry Road", "Burbage Road", "Market Street",
	"Windmill Avenue", "Hawthorn Close", "Rowan Way", "Sycamore Drive", "Larch Close", "Poplar Avenue", "Thornton Lane",
	"Goldsmith Road", "Coleridge Drive", "Tennyson Street", "Shakespeare Drive", "Milton Close", "Kipling Road", "Darwin Close"}

// inwardLetters are the letters a postcode's inward code may use (not C, I,
// K, M, O or V).
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

// Hotspot kinds (domain.md §4.2 "hotspot locations").
const (
	hsPark     = "park"
	hsStation  = "station"
	hsTakeaway = "takeaway"
	hsHotel    = "hotel"
	hsShopping = "shopping_centre"
	hsBus      = "bus_station"
	hsSkate    = "skate_park"
	hsEstate   = "estate"
	hsCanal    = "canal_towpath"
)

// hotspotStems names hotspots of each kind; the town's name is added.
var hotspotStems = map[string][]string{
	hsPark:     {"Memorial Park", "Recreation Ground", "Victoria Park", "Jubilee Gardens", "Meadows"},
	hsTakeaway: {"Golden Fried Chicken", "Crown Kebab House", "Dragon Garden Takeaway", "Pizza Corner", "Chick King"},
	hsHotel:    {"Station Lodge Hotel", "Budget Stay Inn", "Ring Road Motel", "Kings Arms Rooms"},
	hsShopping: {"Market Place", "Shopping Centre", "Retail Park car park"},
	hsBus:      {"Bus Station"},
	hsSkate:    {"Skate Park"},
	hsEstate:   {"Tower Estate", "Greenhill Flats", "Parkside Estate"},
	hsCanal:    {"Canal Towpath", "River Walk Underpass"},
}

// hotspotKindsByTown: how many hotspots each town has scales with its size.
var hotspotKinds = []string{hsPark, hsTakeaway, hsShopping, hsHotel, hsBus, hsSkate, hsEstate, hsCanal, hsPark, hsTakeaway}

// camera is a fixed ANPR camera.
type camera struct {
	id, name string
	town     string
	lat, lon float64
}

var cameras = []camera{
	{"CAM01", "M1 J21 Leicester Forest East", "Leicester", 52.6200, -1.2100},
	{"CAM02", "M1 J22 Markfield", "Coalville", 52.6890, -1.2830},
	{"CAM03", "M1 J23 Loughborough", "Loughborough", 52.7600, -1.2550},
	{"CAM04", "M69 J1 Hinckley", "Hinckley", 52.5200, -1.3260},
	{"CAM05", "A5 Watling Street Hinckley", "Hinckley", 52.5310, -1.4100},
	{"CAM06", "A6 Market Harborough bypass", "Market Harborough", 52.4900, -0.9350},
	{"CAM07", "A606 Melton Road", "Melton Mowbray", 52.7550, -0.9100},
	{"CAM08", "A47 Uppingham Road", "Oakham", 52.6200, -0.7500},
	{"CAM09", "A42 Ashby", "Ashby-de-la-Zouch", 52.7350, -1.4500},
	{"CAM10", "A563 Outer Ring Road", "Leicester", 52.6050, -1.1500},
	{"CAM11", "A4304 Lutterworth", "Lutterworth", 52.4560, -1.1900},
	{"CAM12", "M1 J20 Lutterworth", "Lutterworth", 52.4470, -1.2200},
	{"CAM13", "A6 Loughborough Road Birstall", "Birstall", 52.6800, -1.1200},
	{"CAM14", "A511 Coalville", "Coalville", 52.7200, -1.3600},
}

// routeCameras lists the cameras a car passes driving into a town from the
// motorway network.
var routeCameras = map[string][]string{
	"Loughborough":      {"CAM03"},
	"Shepshed":          {"CAM03"},
	"Coalville":         {"CAM02", "CAM14"},
	"Ashby-de-la-Zouch": {"CAM09"},
	"Hinckley":          {"CAM04", "CAM05"},
	"Earl Shilton":      {"CAM04"},
	"Market Harborough": {"CAM12", "CAM06"},
	"Lutterworth":       {"CAM12", "CAM11"},
	"Melton Mowbray":    {"CAM07"},
	"Oakham":            {"CAM08"},
	"Uppingham":         {"CAM08"},
	"Wigston":           {"CAM10"},
	"Oadby":             {"CAM10"},
	"Leicester":         {"CAM01", "CAM10"},
	"Birstall":          {"CAM13"},
	"Syston":            {"CAM13"},
	"Blaby":             {"CAM10"},
	"Narborough":        {"CAM01"},
}

// lineNames name county lines after the brand customers know them by.
var lineNames = []string{"Tony", "Jukey", "Ace", "Dutch", "Silver", "Mack", "Zed", "Benz", "Kash", "Rico",
	"Skinny", "Bando", "Lucky", "Flex", "Spider", "Milo", "Blade", "Nino", "Frosty", "Dee",
	"Ozzy", "Razor", "Shadow", "Vinny", "Jay", "Stacks", "Boss", "Cali", "Loco", "Taz"}

// groupNames name organised groups by police codename.
var groupNames = []string{"Amber", "Cobalt", "Delta", "Ember", "Flint", "Garnet", "Helix", "Indigo", "Jasper", "Krypton",
	"Lumen", "Magenta", "Nova", "Onyx", "Prism", "Quartz", "Russet", "Sable", "Topaz", "Umber"}

// operationNames name police operations.
var operationNames = []string{"Kestrel", "Juniper", "Falcon", "Hawthorn", "Osprey", "Bramble", "Heron", "Larch", "Merlin", "Alder",
	"Harrier", "Rowan", "Peregrine", "Sycamore", "Kingfisher", "Willow", "Buzzard", "Hazel", "Kite", "Elder",
	"Curlew", "Aspen", "Plover", "Maple", "Lapwing", "Holly", "Goshawk", "Blackthorn", "Skylark", "Yew"}

var vehicleMakes = []string{"Ford Fiesta", "Vauxhall Corsa", "Volkswagen Golf", "Ford Focus", "Toyota Yaris", "Nissan Qashqai",
	"Vauxhall Astra", "BMW 1 Series", "Mercedes A-Class", "Audi A3", "Kia Sportage", "Peugeot 208", "Skoda Octavia", "Toyota Prius"}

var vehicleColours = []string{"black", "silver", "grey", "white", "blue", "red", "green"}

var hireCompanies = []string{"DEMO Car Hire Ltd", "DEMO Van & Car Rental", "DEMO Self Drive"}
