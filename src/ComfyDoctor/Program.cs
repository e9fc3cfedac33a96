using ComfyDoctor.Cli;

return await CommandLine.RunAsync(args);
