package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/wagate/wagate/client"
)

// A list, a contact in it, a lookup by another spelling of the phone, and an error as a Go
// error value.
func Example() {
	baseURL, apiKey, stop := startWagate() // a real wagate, on SQLite in a temporary directory
	defer stop()
	ctx := context.Background()

	c, err := client.New(baseURL, client.WithAPIKey(apiKey))
	if err != nil {
		log.Fatal(err)
	}
	list, err := c.CreateContactList(ctx, client.NewContactList{Name: "Leads"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.CreateContact(ctx, client.NewContact{
		ContactListId: list.Id,
		Phone:         "+54 9 223 596-1983",
		FullName:      client.Value("Juan Perez"),  // a nullable field, set
		Tags:          client.Ptr([]string{"vip"}), // an optional field, set
	})
	if err != nil {
		log.Fatal(err)
	}

	found, err := c.LookupContact(ctx, &client.LookupContactParams{Phone: "0223 15-596-1983"})
	if err != nil {
		log.Fatal(err)
	}
	contact := found.Contact.MustGet()
	fmt.Println(found.Found, contact.Phone, contact.FullName.MustGet(), contact.ContactListName)

	// A second list of the same name is a conflict: a 409, as an *APIError.
	_, err = c.CreateContactList(ctx, client.NewContactList{Name: "Leads"})
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Code)
	}
	// Output:
	// true +5492235961983 Juan Perez Leads
	// 409 conflict
}
