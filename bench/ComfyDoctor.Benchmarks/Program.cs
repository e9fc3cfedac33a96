using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ComfyDoctor.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
