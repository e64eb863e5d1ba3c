package synth

// Names by heritage, chosen to fit the diversity of Leicester, Leicestershire
// and Rutland: White British, Indian (Gujarati and Punjabi), Pakistani and
// Bangladeshi, Somali, West African, Black Caribbean and Eastern European
// families, with mixed-heritage families formed by couples of two heritages.
// The lists are common names, invented combinations, no real people.

// heritage is a naming tradition with the ethnicity and languages that go
// with it.
type heritage struct {
	key        string
	ethnicity  string   // ONS 2021 category label
	languages  []string // main language; the first is the most common
	langWeight []float64
	male       []string
	female     []string
	family     []string
	// femForm gives a family name its feminine form (Polish -ski → -ska);
	// nil when the tradition has none.
	femForm func(string) string
}

// Heritage indices (into heritages).
const (
	herWhiteBritish = iota
	herIndian
	herPakistaniBangladeshi
	herSomali
	herWestAfrican
	herCaribbean
	herEasternEuropean
	numHeritages
)

var heritages = [numHeritages]heritage{
	herWhiteBritish: {
		key:        "white_british",
		ethnicity:  "White: English, Welsh, Scottish, Northern Irish or British",
		languages:  []string{"English"},
		langWeight: []float64{1},
		male: []string{"Oliver", "George", "Harry", "Jack", "Jacob", "Charlie", "Thomas", "William", "James", "Joshua",
			"Daniel", "Samuel", "Joseph", "Alexander", "Benjamin", "Matthew", "Christopher", "Michael", "Robert", "Richard",
			"Liam", "Callum", "Tyler", "Reece", "Kai", "Connor", "Ethan", "Dylan", "Lewis", "Mason",
			"Riley", "Archie", "Alfie", "Leo", "Jamie", "Nathan", "Ryan", "Luke", "Bradley", "Kieran",
			"Anthony", "Edward", "Jonathan", "Nicholas", "Stephen", "Paul", "Mark", "Andrew", "Craig", "Darren"},
		female: []string{"Olivia", "Amelia", "Isla", "Emily", "Ava", "Jessica", "Sophie", "Grace", "Chloe", "Ruby",
			"Elizabeth", "Katherine", "Charlotte", "Lucy", "Megan", "Hannah", "Ellie", "Lily", "Millie", "Holly",
			"Rebecca", "Victoria", "Abigail", "Samantha", "Jennifer", "Rachel", "Laura", "Amy", "Danielle", "Kayleigh",
			"Chelsea", "Shannon", "Courtney", "Paige", "Keira", "Niamh", "Poppy", "Evie", "Freya", "Isabella",
			"Margaret", "Susan", "Karen", "Tracey", "Deborah", "Nicola", "Joanne", "Michelle", "Emma", "Zoë"},
		family: []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
			"Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
			"Harrison", "Cooper", "Ward", "Turner", "Hill", "Moore", "Parker", "Hughes", "Edwards", "Lee",
			"Baker", "Simpson", "Marshall", "Cox", "Mason", "Spencer", "Barker", "Hunt", "Allen", "Bennett",
			"Chapman", "Pearson", "Bailey", "Shaw", "Holmes", "Fletcher", "Atkinson", "Dixon", "Brookes", "Gibson",
			"O'Brien", "O'Neill", "McDonald", "Kelly", "Murphy", "Sutton", "Bradshaw", "Goodwin", "Pickering", "Oldham"},
	},
	herIndian: {
		key:        "indian",
		ethnicity:  "Asian or Asian British: Indian",
		languages:  []string{"English", "Gujarati", "Punjabi", "Hindi"},
		langWeight: []float64{0.55, 0.3, 0.1, 0.05},
		male: []string{"Arjun", "Rohan", "Aarav", "Krish", "Dev", "Ravi", "Rajesh", "Sanjay", "Vikram", "Amit",
			"Nikhil", "Jay", "Harpreet", "Jaswinder", "Gurpreet", "Manpreet", "Sandeep", "Kuldip", "Anish", "Pranav",
			"Yash", "Kiran", "Hitesh", "Dipesh", "Mehul", "Nitin", "Suresh", "Ajay", "Vijay", "Kishan"},
		female: []string{"Priya", "Anjali", "Aanya", "Diya", "Kavya", "Meera", "Neha", "Pooja", "Riya", "Shreya",
			"Simran", "Harpreet", "Jaspreet", "Manpreet", "Navdeep", "Sunita", "Geeta", "Hema", "Nisha", "Komal",
			"Bhavna", "Hetal", "Krupa", "Minal", "Rupal", "Seema", "Tara", "Asha", "Leela", "Isha"},
		family: []string{"Patel", "Mistry", "Chauhan", "Parmar", "Solanki", "Lad", "Shah", "Joshi", "Desai", "Mehta",
			"Pandya", "Vaghela", "Makwana", "Gohil", "Rathod", "Thakrar", "Lakhani", "Kotecha", "Sodha", "Chavda",
			"Singh", "Kaur", "Sandhu", "Gill", "Dhillon", "Sidhu", "Bains", "Johal", "Kumar", "Sharma"},
	},
	herPakistaniBangladeshi: {
		key:        "pakistani_bangladeshi",
		ethnicity:  "Asian or Asian British: Pakistani",
		languages:  []string{"English", "Urdu", "Punjabi", "Bengali"},
		langWeight: []float64{0.55, 0.2, 0.15, 0.1},
		male: []string{"Mohammed", "Muhammad", "Ahmed", "Ali", "Bilal", "Hamza", "Ibrahim", "Yusuf", "Zain", "Imran",
			"Usman", "Adnan", "Asif", "Faisal", "Hassan", "Hussain", "Kamran", "Nadeem", "Rizwan", "Tariq",
			"Aadil", "Ayaan", "Ismail", "Zakariya", "Rahim", "Shahid", "Sajid", "Waqas", "Junaid", "Arif"},
		female: []string{"Aisha", "Fatima", "Maryam", "Zainab", "Amina", "Hafsa", "Khadija", "Noor", "Sana", "Sara",
			"Ayesha", "Iqra", "Mariam", "Nadia", "Rukhsana", "Samina", "Shabana", "Yasmin", "Zara", "Hira",
			"Alisha", "Inaya", "Laiba", "Mehreen", "Nazia", "Parveen", "Rubina", "Saima", "Tahira", "Uzma"},
		family: []string{"Khan", "Ahmed", "Hussain", "Ali", "Begum", "Akhtar", "Iqbal", "Mahmood", "Rashid", "Shah",
			"Malik", "Butt", "Chaudhry", "Mirza", "Qureshi", "Raza", "Siddiqui", "Bibi", "Miah", "Uddin",
			"Rahman", "Islam", "Hoque", "Choudhury", "Anwar", "Aslam", "Javed", "Nawaz", "Saleem", "Tariq"},
	},
	herSomali: {
		key:        "somali",
		ethnicity:  "Black, Black British, Caribbean or African: African",
		languages:  []string{"Somali", "English", "Arabic"},
		langWeight: []float64{0.5, 0.45, 0.05},
		male: []string{"Abdi", "Abdullahi", "Mohamed", "Ahmed", "Hassan", "Yusuf", "Omar", "Ali", "Ismail", "Abdirahman",
			"Mustafe", "Liban", "Guled", "Mahad", "Hamse", "Khalid", "Bashir", "Said", "Farhan", "Nuur"},
		female: []string{"Hodan", "Ayan", "Fadumo", "Hibo", "Sahra", "Amina", "Asha", "Faisa", "Hamdi", "Idil",
			"Khadra", "Layla", "Muna", "Nasra", "Sagal", "Ubah", "Warsan", "Yasmin", "Deeqa", "Fartun"},
		family: []string{"Ali", "Hassan", "Farah", "Omar", "Abdi", "Mohamed", "Warsame", "Jama", "Yusuf", "Ahmed",
			"Osman", "Ismail", "Hussein", "Aden", "Egal", "Nur", "Duale", "Elmi", "Guled", "Hersi"},
	},
	herWestAfrican: {
		key:        "west_african",
		ethnicity:  "Black, Black British, Caribbean or African: African",
		languages:  []string{"English", "Yoruba", "Twi", "Igbo"},
		langWeight: []float64{0.8, 0.08, 0.06, 0.06},
		male: []string{"Kwame", "Kofi", "Chinedu", "Emeka", "Adebayo", "Oluwaseun", "Tunde", "Samuel", "Daniel", "David",
			"Joshua", "Emmanuel", "Michael", "Kelvin", "Ebuka", "Femi", "Kwabena", "Yaw", "Tobi", "Ayo"},
		female: []string{"Abena", "Ama", "Adwoa", "Chioma", "Ngozi", "Funmilayo", "Folake", "Blessing", "Grace", "Esther",
			"Precious", "Favour", "Temi", "Ife", "Akosua", "Efua", "Adaeze", "Chiamaka", "Deborah", "Ruth"},
		family: []string{"Mensah", "Owusu", "Boateng", "Asante", "Osei", "Adjei", "Okafor", "Okonkwo", "Adeyemi", "Adebayo",
			"Oyelaran", "Nwosu", "Eze", "Obi", "Afolabi", "Ogunleye", "Agyeman", "Appiah", "Danso", "Ofori"},
	},
	herCaribbean: {
		key:        "caribbean",
		ethnicity:  "Black, Black British, Caribbean or African: Caribbean",
		languages:  []string{"English"},
		langWeight: []float64{1},
		male: []string{"Tyrone", "Jermaine", "Kemar", "Marcus", "Dwayne", "Andre", "Leon", "Darnell", "Reuben", "Jordan",
			"Isaiah", "Malachi", "Tyrese", "Jaden", "Kyle", "Nathaniel", "Winston", "Desmond", "Clive", "Delroy"},
		female: []string{"Shanice", "Tanisha", "Keisha", "Jada", "Aaliyah", "Shantelle", "Monique", "Chantelle", "Tia", "Imani",
			"Jasmine", "Kezia", "Naomi", "Simone", "Marcia", "Beverley", "Janice", "Paulette", "Sharon", "Nadine"},
		family: []string{"Campbell", "Brown", "Clarke", "Williams", "Thompson", "Francis", "Grant", "Reid", "Robinson", "Henry",
			"Morgan", "Lewis", "Bennett", "Stewart", "Samuels", "Gordon", "Forbes", "Powell", "Morrison", "Edwards"},
	},
	herEasternEuropean: {
		key:        "eastern_european",
		ethnicity:  "White: Any other White background",
		languages:  []string{"Polish", "English", "Romanian", "Lithuanian", "Slovak"},
		langWeight: []float64{0.35, 0.3, 0.2, 0.1, 0.05},
		male: []string{"Jakub", "Kacper", "Łukasz", "Mateusz", "Piotr", "Krzysztof", "Tomasz", "Szymon", "Wojciech", "Aleksander",
			"Andrei", "Ionuț", "Mihai", "Alexandru", "Stefan", "Lukas", "Mantas", "Tomas", "Marek", "Pavel"},
		female: []string{"Zuzanna", "Aleksandra", "Katarzyna", "Małgorzata", "Natalia", "Julia", "Maja", "Wiktoria", "Oliwia", "Agnieszka",
			"Ioana", "Elena", "Andreea", "Maria", "Gabriela", "Ieva", "Greta", "Lucia", "Simona", "Daria"},
		family: []string{"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski",
			"Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Kazlauskas", "Petrauskas", "Horváth", "Kováč", "Novák"},
		femForm: polishFeminine,
	},
}

// polishFeminine gives the feminine form of a Polish -ski/-cki family name.
func polishFeminine(s string) string {
	n := len(s)
	if n > 3 && (s[n-3:] == "ski" || s[n-3:] == "cki") {
		return s[:n-1] + "a"
	}
	return s
}

// mixedEthnicity is the ethnicity of a child of a couple of two heritages.
func mixedEthnicity(a, b int) string {
	if a > b {
		a, b = b, a
	}
	switch {
	case a == herWhiteBritish && b == herCaribbean:
		return "Mixed or Multiple ethnic groups: White and Black Caribbean"
	case a == herWhiteBritish && (b == herWestAfrican || b == herSomali):
		return "Mixed or Multiple ethnic groups: White and Black African"
	case a == herWhiteBritish && (b == herIndian || b == herPakistaniBangladeshi):
		return "Mixed or Multiple ethnic groups: White and Asian"
	}
	return "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic background"
}

// nicknames maps a formal given name to the short forms and alternative
// spellings other agencies record. Keys and values are both real usage: a
// school writes "Bill" for William, a GP "Muhammad" for Mohammed.
var nicknames = map[string][]string{
	"William":     {"Bill", "Will", "Billy", "Liam"},
	"Elizabeth":   {"Liz", "Beth", "Lizzie", "Eliza", "Betty"},
	"Katherine":   {"Kate", "Katie", "Kathy", "Catherine", "Kathryn"},
	"Daniel":      {"Danny", "Dan"},
	"Mohammed":    {"Muhammad", "Mohammad", "Mohamed", "Muhammed", "Mo"},
	"Muhammad":    {"Mohammed", "Mohammad", "Muhammed", "Mo"},
	"Mohamed":     {"Mohammed", "Mohamud", "Mohammad"},
	"Alexander":   {"Alex", "Xander", "Sasha"},
	"Robert":      {"Rob", "Bob", "Bobby", "Robbie"},
	"Richard":     {"Rich", "Richie", "Dick"},
	"James":       {"Jim", "Jimmy", "Jamie"},
	"Jonathan":    {"Jon", "Jonny", "John"},
	"Michael":     {"Mike", "Mikey", "Mick"},
	"Christopher": {"Chris", "Kit"},
	"Thomas":      {"Tom", "Tommy"},
	"Joseph":      {"Joe", "Joey"},
	"Samuel":      {"Sam", "Sammy"},
	"Benjamin":    {"Ben", "Benny"},
	"Matthew":     {"Matt", "Matty"},
	"Nicholas":    {"Nick", "Nicky"},
	"Anthony":     {"Tony", "Ant"},
	"Edward":      {"Ed", "Eddie", "Ted"},
	"Joshua":      {"Josh"},
	"Nathaniel":   {"Nathan", "Nate"},
	"Stephen":     {"Steve", "Steven"},
	"Andrew":      {"Andy", "Drew"},
	"Charlie":     {"Charles"},
	"Alfie":       {"Alfred"},
	"Harry":       {"Henry", "Hal"},
	"Margaret":    {"Maggie", "Peggy", "Meg"},
	"Rebecca":     {"Becky", "Becca"},
	"Jessica":     {"Jess", "Jessie"},
	"Victoria":    {"Vicky", "Tori"},
	"Abigail":     {"Abbie", "Abby"},
	"Charlotte":   {"Charlie", "Lottie"},
	"Olivia":      {"Liv", "Livvy"},
	"Amelia":      {"Millie", "Amy"},
	"Isabella":    {"Bella", "Izzy", "Isabelle"},
	"Jennifer":    {"Jen", "Jenny"},
	"Samantha":    {"Sam", "Sammie"},
	"Deborah":     {"Debbie", "Debra"},
	"Danielle":    {"Dani"},
	"Nicola":      {"Nicky", "Nikki"},
	"Victor":      {"Vic"},
	"Zoë":         {"Zoe"},
	"Aleksandra":  {"Ola", "Alexandra"},
	"Aleksander":  {"Olek", "Alexander"},
	"Katarzyna":   {"Kasia", "Kate"},
	"Małgorzata":  {"Gosia", "Malgorzata"},
	"Krzysztof":   {"Krzys", "Christopher"},
	"Wojciech":    {"Wojtek"},
	"Łukasz":      {"Lukasz", "Luke"},
	"Ionuț":       {"Ionut"},
	"Ahmed":       {"Ahmad", "Ahmet"},
	"Abdullahi":   {"Abdullah", "Abdi"},
	"Fatima":      {"Fatma", "Fatimah"},
	"Aisha":       {"Ayesha", "Aysha"},
	"Ayesha":      {"Aisha"},
	"Yusuf":       {"Yousef", "Yusef", "Joseph"},
	"Hussain":     {"Hussein", "Husain"},
	"Ibrahim":     {"Ebrahim", "Ibraheem"},
	"Maryam":      {"Mariam", "Miriam"},
	"Khadija":     {"Khadijah", "Kadija"},
	"Zainab":      {"Zaynab"},
	"Rajesh":      {"Raj"},
	"Jaswinder":   {"Jas"},
	"Kuldip":      {"Kuldeep"},
	"Sandeep":     {"Sandip", "Sandy"},
	"Harpreet":    {"Harp"},
	"Priya":       {"Preeya"},
	"Vikram":      {"Vik", "Vicky"},
	"Oluwaseun":   {"Seun", "Shawn"},
	"Adebayo":     {"Bayo"},
	"Chinedu":     {"Chi"},
	"Funmilayo":   {"Funmi"},
	"Emmanuel":    {"Manny", "Emma"},
	"Abdirahman":  {"Abdi", "Abdulrahman"},
	"Fadumo":      {"Faduma", "Fatima"},
	"Jermaine":    {"Jay"},
	"Tyrone":      {"Ty"},
	"Malachi":     {"Kai"},
	"Isaiah":      {"Zay"},
}

// streetAliases are street names the police record for adults of interest
// and some young people.
var streetAliases = []string{"Tiny", "Smokey", "Blaze", "K-Dog", "Dutchie", "Lil T", "Sav", "Bugsy", "Chase", "Ghost",
	"Skeng", "Trigga", "Mizzy", "Stacks", "Zeus", "Reaper", "Kidz", "Snowy", "Ratty", "Bones",
	"Scrappy", "Junior", "Nines", "Tallz", "Shorty", "Red", "Kez", "Smudge", "Mack", "Jinx"}
