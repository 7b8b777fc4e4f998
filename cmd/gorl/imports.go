package main

// Environment packages register their ids with env.Register when imported.
import (
	_ "gorl/env/classic"
	_ "gorl/env/gridworld"
	_ "gorl/env/gym"
	_ "gorl/env/latent"
	_ "gorl/env/lock"
	_ "gorl/env/locomotion"
	_ "gorl/env/minatar"
)
