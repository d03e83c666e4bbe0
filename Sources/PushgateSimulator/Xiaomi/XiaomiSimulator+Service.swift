extension XiaomiSimulator: SimulatorService {}
