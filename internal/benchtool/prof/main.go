// Command prof runs the contacts command line in-process with Go's
// profilers on, to see where a benchmark's time goes without adding a
// profiling flag or endpoint to the product:
//
//	go build -o /tmp/prof ./internal/benchtool/prof
//	/tmp/prof -cpu cpu.out [-mem heap.out] -- import calls.csv --company x
//	go tool pprof -top /tmp/prof cpu.out
//
// It is cmd.Main with a CPU profile around it (and a heap profile at the
// end). For `serve`, stop it with SIGTERM or SIGINT: the server shuts down
// cleanly and the profile is written.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/phoneinc/contacts/cmd"
	"github.com/phoneinc/contacts/internal/iostreams"
)

func main() {
	cpu := flag.String("cpu", "", "write a CPU profile to `file`")
	mem := flag.String("mem", "", "write a heap profile (in use and allocated) to `file` at the end")
	flag.Parse()
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			fmt.Fprintln(os.Stderr, "prof:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "prof:", err)
			os.Exit(1)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Run(ctx, flag.Args(), iostreams.System())
	stop()
	if *cpu != "" {
		pprof.StopCPUProfile()
	}
	if *mem != "" {
		runtime.GC()
		if f, err := os.Create(*mem); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "prof: exit %d; heap: %.1f MiB in use, %.1f MiB obtained from the OS (Sys), %d GCs\n",
		code, float64(ms.HeapInuse)/(1<<20), float64(ms.Sys)/(1<<20), ms.NumGC)
	os.Exit(code)
}
