package server

import (
	"maps"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wagate/wagate/openapi"
)

// TestImportBoundsAreTheSpecs: the import checks its rows by hand (BenchmarkImportRowChecks says
// why), with the bounds of the spec's ImportRow. A bound changed in the spec and not here,
// or a key one has and the other lacks, fails this test.
func TestImportBoundsAreTheSpecs(t *testing.T) {
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	row := doc.Components.Schemas["ImportRow"].Value
	if row.AdditionalProperties.Has == nil || *row.AdditionalProperties.Has || !slices.Equal(row.Required, []string{"phone"}) {
		t.Fatalf("ImportRow takes other keys or requires %v: the import refuses unknown keys and requires phone", row.Required)
	}
	if got, want := slices.Sorted(maps.Keys(row.Properties)), slices.Sorted(maps.Keys(importJSONKeys)); !slices.Equal(got, want) {
		t.Fatalf("ImportRow's keys are %v, the import reads %v", got, want)
	}
	prop := func(name string) *openapi3.Schema { return row.Properties[name].Value }
	bound := func(name, what string, got *uint64, want int) {
		t.Helper()
		if got == nil || *got != uint64(want) {
			t.Errorf("ImportRow.%s's %s is %v, the import's %d", name, what, deref(got), want)
		}
	}
	for _, col := range importJSONFields {
		if col.text == nil {
			continue
		}
		s := prop(col.name)
		bound(col.name, "maxLength", s.MaxLength, col.max)
		// Every text but email is at least one character; email's format refuses "".
		if min := uint64(1); col.name != "email" && s.MinLength != min || col.name == "email" && s.Format != "email" {
			t.Errorf("ImportRow.%s: minLength %d, format %q", col.name, s.MinLength, s.Format)
		}
		if !s.Nullable {
			t.Errorf("ImportRow.%s is not nullable; the import clears it with null", col.name)
		}
	}
	phoneSchema := prop("phone")
	bound("phone", "maxLength", phoneSchema.MaxLength, importPhoneMax)
	if phoneSchema.MinLength != 1 {
		t.Errorf("ImportRow.phone's minLength is %d", phoneSchema.MinLength)
	}
	tags := prop("tags")
	bound("tags", "maxItems", tags.MaxItems, importTagsMax)
	bound("tags[]", "maxLength", tags.Items.Value.MaxLength, importTagMax)
	if tags.Items.Value.MinLength != 1 || tags.Nullable {
		t.Errorf("ImportRow.tags: items' minLength %d, nullable %v", tags.Items.Value.MinLength, tags.Nullable)
	}
	secs := prop("lastCallDuration")
	if secs.Min == nil || *secs.Min != 0 || secs.Max == nil || *secs.Max != importSecondsMax || secs.Type.Is("integer") != true {
		t.Errorf("ImportRow.lastCallDuration is %v..%v", deref(secs.Min), deref(secs.Max))
	}
	meta := prop("metadata")
	bound("metadata", "maxProperties", meta.MaxProps, importMetadataMax)
	if !meta.Type.Is("object") || meta.Nullable {
		t.Errorf("ImportRow.metadata is %v nullable %v", meta.Type, meta.Nullable)
	}
	if at := prop("lastCallAt"); at.Format != "date-time" || !at.Nullable {
		t.Errorf("ImportRow.lastCallAt is %q nullable %v", at.Format, at.Nullable)
	}
	if cc := prop("countryCode"); !cc.Nullable {
		t.Errorf("ImportRow.countryCode is not nullable; the import reads null as the request's region")
	}
}
