module github.com/nym-go/nym

go 1.26
