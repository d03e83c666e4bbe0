extension HuaweiSimulator: SimulatorService {}
