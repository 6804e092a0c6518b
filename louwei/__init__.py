"""Louwei (楼委): the floor-leader system of commercial office buildings."""
