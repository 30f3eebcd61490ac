using System.Runtime.CompilerServices;

// The readers stackalloc small buffers for every key and value; zeroing them was measurable at a million records.
[module: SkipLocalsInit]
