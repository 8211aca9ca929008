package phone_test

import (
	"errors"
	"fmt"

	"github.com/wagate/wagate/whatsapp/phone"
)

func ExampleParse() {
	for _, raw := range []string{"+54 223 15-596-1983", "0223 15 596-1983", "542235961983"} {
		n, err := phone.Parse(raw, "AR")
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(n.E164, n.Region, n.MatchKey)
	}
	_, err := phone.Parse("1-800-FLOWERS", "US")
	var perr *phone.Error
	if errors.As(err, &perr) {
		fmt.Println(perr.Code, perr.Reason)
	}
	// Output:
	// +5492235961983 AR 542235961983
	// +5492235961983 AR 542235961983
	// +542235961983 AR 542235961983
	// letters contains letters
}
