package money

import "testing"

func TestFormat(t *testing.T) {
	tests := []struct {
		amount int64
		code   string
		want   string
	}{
		{1999, "CNY", "¥19.99"},
		{5, "CNY", "¥0.05"},
		{100, "USD", "$1.00"},
		{123456, "EUR", "€1234.56"},
		{1000, "HKD", "HK$10.00"},
		{1999, "JPY", "JP¥1999"},
		{-250, "CNY", "-¥2.50"},
		{250, "XYZ", "XYZ 2.50"},
	}
	for _, tt := range tests {
		if got := Format(tt.amount, tt.code); got != tt.want {
			t.Errorf("Format(%d, %q) = %q, want %q", tt.amount, tt.code, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		code    string
		want    int64
		wantErr bool
	}{
		{"12.34", "CNY", 1234, false},
		{"12", "CNY", 1200, false},
		{"0.5", "CNY", 50, false},
		{" 7.00 ", "USD", 700, false},
		{"1999", "JPY", 1999, false},
		{"1.5", "JPY", 0, true},
		{"1.234", "CNY", 0, true},
		{"-1", "CNY", 0, true},
		{"abc", "CNY", 0, true},
		{"", "CNY", 0, true},
		{"1.", "CNY", 0, true},
		{".5", "CNY", 0, true},
		{"100000000.01", "CNY", 0, true},
		{"1", "XYZ", 0, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.code)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q, %q) = %d, %v; want %d, err=%v", tt.in, tt.code, got, err, tt.want, tt.wantErr)
		}
	}
}
