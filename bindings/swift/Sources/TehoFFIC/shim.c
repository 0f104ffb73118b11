// Written by hand. SwiftPM builds a C target only when it has a source file; this one
// compiles the uniffi header once. The functions it declares are in libteho_uniffi, which
// this target links (see Package.swift).
#include "TehoFFIC.h"
