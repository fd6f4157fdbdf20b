// aibench runs on the Linux login and compute nodes of HPC clusters (and macOS laptops); it relies on Unix file modes
// to keep its token and data folder private.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
