package web_test

import (
	"os"
	"testing"

	"github.com/safehub/safehub/internal/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
