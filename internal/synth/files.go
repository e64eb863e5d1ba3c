package synth

import (
	"slices"
	"strings"
)

// fileID indexes the output files.
type fileID int

const (
	fPersons fileID = iota
	fVehicles
	fExtractPolice
	fExtractSocialCare
	fExtractHealth
	fExtractEducation
	fExtractYouthOffending
	fExtractVoluntary
	fExtractTruth
	fHotspots
	fNetworks
	fMembers
	fNetPhones
	fCuckooed
	fJourneys
	fReferrals
	fMissing
	fRHI
	fNRM
	fHealthFlags
	fOperations
	fOpPeople
	fSightings
	fStops
	fCalls
	fANPR
	numFiles
)

// FileInfo describes one output file. FORMAT.md documents every column.
type FileInfo struct {
	Name    string
	Columns []string
	// Truth marks ground-truth files, which the hub would never receive:
	// evaluation keys for linkage and network analysis.
	Truth bool
}

var files = [numFiles]FileInfo{
	fPersons:               {"truth_persons.csv", cols("person_id household_id given_name family_name alias date_of_birth sex ethnicity language area_code town address_line postcode latitude longitude address_from previous_address_line previous_postcode previous_town phone phone_kind nhs_number upn pnc_id is_child known_to_services legal_status risk_level"), true},
	fVehicles:              {"truth_vehicles.csv", cols("registration kind make colour keeper_person_id hire_company network_id"), true},
	fExtractPolice:         {"extract_police.csv", cols("record_id given_name family_name alias date_of_birth sex address_line town postcode phone pnc_id last_updated"), false},
	fExtractSocialCare:     {"extract_social_care.csv", cols("record_id given_name family_name date_of_birth sex ethnicity language address_line town postcode phone area_code legal_status last_updated"), false},
	fExtractHealth:         {"extract_health.csv", cols("record_id given_name family_name date_of_birth sex ethnicity address_line town postcode phone nhs_number last_updated"), false},
	fExtractEducation:      {"extract_education.csv", cols("record_id given_name family_name date_of_birth sex ethnicity language address_line town postcode upn establishment_number last_updated"), false},
	fExtractYouthOffending: {"extract_youth_offending.csv", cols("record_id given_name family_name date_of_birth sex address_line town postcode phone pnc_id last_updated"), false},
	fExtractVoluntary:      {"extract_voluntary.csv", cols("record_id given_name family_name date_of_birth sex address_line town postcode phone project last_updated"), false},
	fExtractTruth:          {"truth_extract_records.csv", cols("agency record_id person_id duplicate errors"), true},
	fHotspots:              {"hotspots.csv", cols("hotspot_id kind name town area_code postcode latitude longitude"), false},
	fNetworks:              {"truth_networks.csv", cols("network_id kind name purpose exporting_area exporting_la towns started ended active controlling_network_id operation_id"), true},
	fMembers:               {"truth_network_members.csv", cols("network_id person_id role from to"), true},
	fNetPhones:             {"truth_network_phones.csv", cols("network_id phone role holder_person_id from to"), true},
	fCuckooed:              {"truth_cuckooed_addresses.csv", cols("network_id person_id address_line town postcode latitude longitude from to"), true},
	fJourneys:              {"truth_journeys.csv", cols("journey_id network_id person_id mode from_place to_place departed_at arrived_at vehicle_registration"), true},
	fReferrals:             {"referrals.csv", cols("referral_id subject_kind subject_id referrer_agency received_at concern indicators decision decided_at"), false},
	fMissing:               {"missing_episodes.csv", cols("episode_id person_id type from_location last_seen_at last_seen_place reported_at reported_by police_reference police_risk_level found_at found_place found_town found_latitude found_longitude out_of_area found_with returned_at rhi_due_at"), false},
	fRHI:                   {"return_interviews.csv", cols("rhi_id episode_id person_id due_at offered_at outcome completed_at within_72h conducted_by"), false},
	fNRM:                   {"nrm_referrals.csv", cols("nrm_id person_id first_responder submitted_at exploitation_type is_child rg_target_at rg_decision rg_decided_at cg_decision cg_decided_at"), false},
	fHealthFlags:           {"health_flags.csv", cols("flag_id person_id nhs_number status category code risk start review_due end"), false},
	fOperations:            {"operations.csv", cols("operation_id name network_id started ended warrants_executed arrests charges"), false},
	fOpPeople:              {"operation_people.csv", cols("operation_id person_id outcome date"), false},
	fSightings:             {"sightings.csv", cols("sighting_id observed_at source hotspot_id place town latitude longitude person_id"), false},
	fStops:                 {"stop_searches.csv", cols("stop_id at person_id town latitude longitude hotspot_id grounds items_found outcome"), false},
	fCalls:                 {"calls.csv", cols("started_at from_phone to_phone kind duration_s"), false},
	fANPR:                  {"anpr_reads.csv", cols("read_at registration camera_id camera_name town latitude longitude"), false},
}

// Every file starts with the dataset column.
func cols(s string) []string { return append([]string{"dataset"}, strings.Fields(s)...) }

// Files lists the files Generate writes, in the order it creates them.
// Besides these it writes manifest.json (see Summary).
func Files() []FileInfo {
	out := make([]FileInfo, len(files))
	for i, f := range files {
		f.Columns = slices.Clone(f.Columns)
		out[i] = f
	}
	return out
}

// agencies in extract order, with their extract files.
var agencies = []struct {
	kind   string
	file   fileID
	prefix string // record id prefix ("" for social care: the LA's)
}{
	{"police", fExtractPolice, "DEMO-LP-"},
	{"social_care", fExtractSocialCare, ""},
	{"health", fExtractHealth, "DEMO-H-"},
	{"education", fExtractEducation, "DEMO-ED-"},
	{"youth_offending", fExtractYouthOffending, "DEMO-YJ-"},
	{"voluntary", fExtractVoluntary, "DEMO-VS-"},
}

// Agency indices into agencies.
const (
	agPolice = iota
	agSocialCare
	agHealth
	agEducation
	agYouthOffending
	agVoluntary
	numAgencies
)
