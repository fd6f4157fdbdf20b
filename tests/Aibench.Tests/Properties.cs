// The tests run where aibench runs: Linux (and macOS); they check Unix file modes.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
