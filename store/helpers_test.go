package store

import "errors"

var errorsIs = errors.Is
