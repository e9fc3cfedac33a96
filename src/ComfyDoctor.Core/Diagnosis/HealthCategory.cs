namespace ComfyDoctor.Core.Diagnosis;

public enum HealthCategory
{
    Models,
    Nodes,
    Disk,
    Runtime,
}

public enum Light
{
    Green,
    Yellow,
    Red,
}
