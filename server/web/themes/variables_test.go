package themes

import (
	"slices"
	"testing"
)

func TestVariableNames(t *testing.T) {
	names := VariableNames()
	for _, want := range []string{"accent", "bg", "link", "focus", "radius", "main-width", "link-underline", "border-width", "color-scheme"} {
		if !slices.Contains(names, want) {
			t.Errorf("VariableNames() = %q, lacks %s", names, want)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("VariableNames() = %q, not sorted", names)
	}
	if !SameVariable("main_width", "main-width") || SameVariable("main", "main-width") {
		t.Error("SameVariable does not read _ and - as the same")
	}
}
