// Package physics3d is gorl's binding to the MuJoCo physics engine (libmujoco 2.2.x, cgo).
//
// It follows MuJoCo's model/data split: a Model is compiled once from MJCF and is read-only
// afterwards, so one Model can be shared by any number of goroutines; each goroutine
// simulates with its own Data. Both hold C memory and are freed deterministically with
// Close (a cleanup registered with the garbage collector is only a safety net).
//
// MuJoCo reports fatal errors through a handler that by default prints and exits the
// process. This package installs its own handler, so that a bad model file, a compile
// error or a runtime error (for example an exhausted stack) comes back as a Go error with
// MuJoCo's message, and the process carries on. One limitation remains: while a model
// compiles, MuJoCo's compiler briefly installs a handler of its own for the whole
// process, so a runtime error raised at that moment by a simulation in another goroutine
// would abort the process. Compiling models before starting parallel simulations avoids it.
//
// Views returned by Data (Qpos, Xpos, ...) alias MuJoCo's arrays: they are valid until the
// Data is closed (keep the Data reachable while using them: an unreachable Data is freed
// by the garbage collector's cleanup) and change when the simulation advances. Treat them
// as read-only and write state through the Set methods.
//
// Morphologies (the description of bodies, limbs and joints, built-in families, the
// morphology graph) live in the pure-Go sub-package physics3d/morph, which packages that
// must stay free of cgo can import.
package physics3d

/*
#cgo LDFLAGS: -lmujoco
#include <mujoco/mujoco.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// MuJoCo calls mju_user_error for fatal errors and expects it not to return. Every call
// into MuJoCo made by this package runs under a recovery point (setjmp) kept in
// thread-local storage; the handler copies the message and jumps back to it.
static __thread jmp_buf* gorl_jmp;
static __thread char gorl_msg[1024];

static void gorl_error(const char* msg) {
	strncpy(gorl_msg, msg, sizeof(gorl_msg) - 1);
	gorl_msg[sizeof(gorl_msg) - 1] = 0;
	if (gorl_jmp) {
		longjmp(*gorl_jmp, 1);
	}
}

// Warnings (for example "Pre-allocated constraint buffer is full") are kept, not printed
// or written to MUJOCO_LOG.TXT; Data warnings are also counted in mjData.warning.
static __thread char gorl_warn[1024];

static void gorl_warning(const char* msg) {
	strncpy(gorl_warn, msg, sizeof(gorl_warn) - 1);
	gorl_warn[sizeof(gorl_warn) - 1] = 0;
}

static void gorl_install_handlers(void) {
	mju_user_error = gorl_error;
	mju_user_warning = gorl_warning;
}

static void gorl_copy_msg(char* err, int errsz) {
	strncpy(err, gorl_msg, errsz - 1);
	err[errsz - 1] = 0;
}

mjModel* gorl_load_xml(const char* filename, const char* xml, int xmllen, char* err, int errsz) {
	jmp_buf jb;
	jmp_buf* prev = gorl_jmp;
	mjVFS* volatile vfs = NULL;
	mjModel* volatile m = NULL;
	err[0] = 0;
	gorl_jmp = &jb;
	if (setjmp(jb) == 0) {
		if (xml != NULL) {
			vfs = (mjVFS*)malloc(sizeof(mjVFS));
			if (vfs == NULL) {
				strncpy(err, "out of memory for the virtual file system", errsz - 1);
			} else {
				mj_defaultVFS(vfs);
				if (mj_makeEmptyFileVFS(vfs, filename, xmllen) != 0) {
					strncpy(err, "could not create the virtual model file", errsz - 1);
				} else {
					int i = mj_findFileVFS(vfs, filename);
					memcpy(vfs->filedata[i], xml, xmllen);
					m = mj_loadXML(filename, vfs, err, errsz);
				}
			}
		} else {
			m = mj_loadXML(filename, NULL, err, errsz);
		}
	} else {
		gorl_copy_msg(err, errsz);
		m = NULL;
	}
	gorl_jmp = prev;
	if (vfs != NULL) {
		mj_deleteVFS(vfs);
		free(vfs);
	}
	return m;
}

mjData* gorl_make_data(const mjModel* m, char* err, int errsz) {
	jmp_buf jb;
	jmp_buf* prev = gorl_jmp;
	mjData* volatile d = NULL;
	gorl_jmp = &jb;
	if (setjmp(jb) == 0) {
		d = mj_makeData(m);
		if (d == NULL) {
			strncpy(err, "mj_makeData failed", errsz - 1);
		}
	} else {
		gorl_copy_msg(err, errsz);
		d = NULL;
	}
	gorl_jmp = prev;
	return d;
}

enum { GORL_STEP, GORL_FORWARD, GORL_KINEMATICS, GORL_RNEPOST, GORL_RESET };

// gorl_run runs one MuJoCo computation n times under a recovery point; it returns 0 on
// success and 1 with the message in err when MuJoCo raised an error.
int gorl_run(const mjModel* m, mjData* d, int what, int n, char* err, int errsz) {
	jmp_buf jb;
	jmp_buf* prev = gorl_jmp;
	gorl_jmp = &jb;
	if (setjmp(jb) != 0) {
		gorl_jmp = prev;
		gorl_copy_msg(err, errsz);
		return 1;
	}
	switch (what) {
	case GORL_STEP:
		for (int i = 0; i < n; i++) {
			mj_step(m, d);
		}
		break;
	case GORL_FORWARD:
		mj_forward(m, d);
		break;
	case GORL_KINEMATICS:
		mj_kinematics(m, d);
		mj_comPos(m, d);
		mj_comVel(m, d);
		break;
	case GORL_RNEPOST:
		mj_rnePostConstraint(m, d);
		break;
	case GORL_RESET:
		mj_resetData(m, d);
		break;
	}
	gorl_jmp = prev;
	return 0;
}

int gorl_jac_body(const mjModel* m, const mjData* d, mjtNum* jacp, mjtNum* jacr, int body, char* err, int errsz) {
	jmp_buf jb;
	jmp_buf* prev = gorl_jmp;
	gorl_jmp = &jb;
	if (setjmp(jb) != 0) {
		gorl_jmp = prev;
		gorl_copy_msg(err, errsz);
		return 1;
	}
	mj_jacBody(m, d, jacp, jacr, body);
	gorl_jmp = prev;
	return 0;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"
)

const errLen = 1024

// installHandlers replaces MuJoCo's exit-on-error handler once per process.
var installHandlers = sync.OnceFunc(func() { C.gorl_install_handlers() })

// loadMu serialises model compilation: MuJoCo 2.2 keeps the last parsed XML in a
// process-wide structure, so mj_loadXML must not run concurrently.
var loadMu sync.Mutex

// Version is the version string of the linked MuJoCo library.
func Version() string { return C.GoString(C.mj_versionString()) }

// LoadFile compiles the MJCF (or URDF) file at path. Includes are resolved relative to
// the file's directory, as MuJoCo does.
func LoadFile(path string) (*Model, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model %q: %w", path, err)
	}
	if err := checkNumbers(doc); err != nil {
		return nil, fmt.Errorf("load model %q: %w", path, err)
	}
	m, err := load(path, nil)
	if err != nil {
		return nil, fmt.Errorf("load model %q: %w", path, err)
	}
	return m, nil
}

// LoadXML compiles an MJCF document held in memory (through MuJoCo's virtual file
// system). Relative includes, if any, are looked up on disk from the working directory.
func LoadXML(xml string) (*Model, error) {
	if strings.TrimSpace(xml) == "" {
		return nil, errors.New("load model from XML: empty document")
	}
	if err := checkNumbers([]byte(xml)); err != nil {
		return nil, fmt.Errorf("load model from XML: %w", err)
	}
	m, err := load("gorl_model.xml", []byte(xml))
	if err != nil {
		return nil, fmt.Errorf("load model from XML: %w", err)
	}
	return m, nil
}

func load(filename string, xml []byte) (*Model, error) {
	installHandlers()
	loadMu.Lock()
	defer loadMu.Unlock()
	cname := C.CString(filename)
	defer C.free(unsafe.Pointer(cname))
	errbuf := (*C.char)(C.calloc(errLen, 1))
	defer C.free(unsafe.Pointer(errbuf))
	var cxml *C.char
	if xml != nil {
		cxml = (*C.char)(C.CBytes(xml))
		defer C.free(unsafe.Pointer(cxml))
	}
	m := C.gorl_load_xml(cname, cxml, C.int(len(xml)), errbuf, errLen)
	if m == nil {
		msg := strings.TrimSpace(C.GoString(errbuf))
		if msg == "" {
			msg = "MuJoCo could not compile the model (no message)"
		}
		return nil, errors.New(msg)
	}
	mod := newModel(m, filepath.Base(filename))
	if err := mod.check(); err != nil {
		mod.Close()
		return nil, err
	}
	return mod, nil
}

// mjError turns a failed gorl_run into a Go error.
func mjError(op string, errbuf *C.char) error {
	return fmt.Errorf("mujoco %s: %s", op, strings.TrimSpace(C.GoString(errbuf)))
}
