package main

import "testing"

func TestInlineArgs(t *testing.T) {
	got, err := inlineArgs("SELECT $1, $2, $10, '$x' WHERE a = $1", []any{"o'rg $2", 51, 3, 4, 5, 6, 7, 8, 9, int64(10)})
	want := "SELECT 'o''rg $2', 51, 10, '$x' WHERE a = 'o''rg $2'"
	if err != nil || got != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	if _, err := inlineArgs("SELECT $2", []any{"a"}); err == nil {
		t.Fatal("a placeholder without an argument went through")
	}
	if _, err := inlineArgs("SELECT $1", []any{[]string{"a"}}); err == nil {
		t.Fatal("an argument of a type it cannot write went through")
	}
}
