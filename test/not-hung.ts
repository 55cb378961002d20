// How long a test lets a step take that must not wait without end. What these checks rule out is a wait with no end (a
// stand-in engine that never answers, a module that loops for ever, a deadline of an hour), never slowness: on a 2-core
// machine running a matrix of 12 engines beside the unit tests, such steps took up to 43 s (3 to 6 s on an idle one).
// So the bound is one no such wait on a loaded machine reaches and a wait without end always passes, below the tests'
// own timeout (120 s). How fast shmlab is, is measured by `npm run bench`.
export const NOT_HUNG_MS = 100_000;
