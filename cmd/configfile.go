package cmd

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/spf13/viper"
)

// maxConfigFile bounds a config file. Its settings take a few hundred
// bytes; a cap keeps a mistaken --config (a log, a disk image, /dev/zero)
// from filling the memory.
const maxConfigFile = 1 << 20

// readConfigFile reads the config file at path, which must be a regular
// file of at most maxConfigFile bytes: anything else is a usage error that
// names it. A file that does not exist is an error that wraps
// fs.ErrNotExist. The file is opened without blocking, so that a FIFO put
// in its place after the check cannot hang the command, and checked again
// once open.
func readConfigFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkConfigFile(path, fi); err != nil {
		return nil, err
	}
	file, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	if fi, err = file.Stat(); err != nil {
		return nil, err
	}
	if err := checkConfigFile(path, fi); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(file, maxConfigFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxConfigFile {
		return nil, configTooLarge(path)
	}
	return b, nil
}

// checkConfigFile refuses a config file that is not a regular file, or is
// too large.
func checkConfigFile(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		if fi.Size() > maxConfigFile {
			return configTooLarge(path)
		}
		return nil
	}
	kind := "not a regular file"
	switch t := fi.Mode().Type(); {
	case t&fs.ModeDir != 0:
		kind = "a directory, not a file"
	case t&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO), not a regular file"
	case t&fs.ModeSocket != 0:
		kind = "a socket, not a regular file"
	case t&fs.ModeDevice != 0:
		kind = "a device, not a regular file"
	}
	return usageErrorf("config file %s is %s", path, kind)
}

func configTooLarge(path string) error {
	return usageErrorf("config file %s is larger than 1 MiB: a config file holds a few settings", path)
}

// checkConfigTypes refuses a setting of the config file whose value is
// not one value (text, a number, true or false): a list, a mapping or a
// date, which would otherwise be read as "" or as some other text than the
// one written. It is called before anything but the file is set in v.
func checkConfigTypes(v *viper.Viper, path string) error {
	for _, s := range settings {
		val := v.Get(s.key)
		if val == nil {
			continue // "key:" or "key: null": not set
		}
		if _, ok := val.(time.Time); ok {
			return configTypeError(path, s.key, "is read as a date: quote the value to give it as text")
		}
		switch reflect.TypeOf(val).Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
			continue
		case reflect.Slice, reflect.Array:
			return configTypeError(path, s.key, "must be a single value, not a list")
		case reflect.Map:
			return configTypeError(path, s.key, "must be a single value, not a mapping")
		}
		return configTypeError(path, s.key, "must be a single value")
	}
	return nil
}

func configTypeError(path, key, msg string) error {
	return &contacts.Error{Code: contacts.EUSAGE, Field: key, Message: fmt.Sprintf("config file %s: %s %s", path, key, msg)}
}
