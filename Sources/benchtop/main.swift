import BenchtopCLI

BenchtopCommand.main()
